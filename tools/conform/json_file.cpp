#include "tools/conform/json_file.hpp"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

namespace hp::conform {

Result<Json::Value> readJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  Json::CharReaderBuilder builder;
  builder["rejectDupKeys"] = true;
  builder["failIfExtra"] = true;
  builder["allowComments"] = true;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value root;
  std::string errors;
  if (!reader->parse(text.data(), text.data() + text.size(), &root, &errors)) {
    return makeError(path + ": invalid JSON: " + errors);
  }
  return root;
}

std::vector<std::string> memberNamesInFileOrder(const Json::Value& object) {
  std::vector<std::string> names = object.getMemberNames();
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return object[a].getOffsetStart() < object[b].getOffsetStart();
  });
  return names;
}

}  // namespace hp::conform
