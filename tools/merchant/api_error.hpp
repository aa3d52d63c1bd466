// An API refusal as a value: the HTTP status, a stable machine-readable code (clients switch on
// it) and a message for people. Becomes {"error":{"code","message"}} at the HTTP boundary.
#pragma once

#include <string>
#include <vector>

#include "tools/merchant/json_http.hpp"
#include "tools/merchant/server_http.hpp"

namespace hp::merchant {

struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
};

inline HttpResponse toResponse(const ApiError& error) {
  return errorResponse(error.status, error.code, error.message);
}

// Splits "/a/b/c" (query string ignored) into {"a","b","c"}; empty segments are kept so
// "/orders//pay" does not alias "/orders/pay".
std::vector<std::string> pathSegments(const std::string& target);

}  // namespace hp::merchant
