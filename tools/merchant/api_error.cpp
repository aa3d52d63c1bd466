#include "tools/merchant/api_error.hpp"

namespace hp::merchant {

std::vector<std::string> pathSegments(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> segments;
  size_t at = 1;  // the parser guarantees a leading '/'
  while (at <= path.size()) {
    const size_t slash = path.find('/', at);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    segments.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  if (!segments.empty() && segments.back().empty()) segments.pop_back();  // trailing '/'
  return segments;
}

}  // namespace hp::merchant
