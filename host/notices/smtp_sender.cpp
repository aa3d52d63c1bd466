#include "host/notices/smtp_sender.hpp"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "host/notices/notice_message.hpp"

namespace hp::notices {

namespace {

void initCurlOnce() {
  // curl_global_init is not safe to race with other threads' curl use: once, before any handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The message as libcurl reads it, piece by piece, during DATA (libcurl adds the dot-stuffing
// and the final "." line).
struct UploadCursor {
  const std::string* text;
  size_t offset = 0;
};

size_t readMessage(char* buffer, size_t size, size_t count, void* user) {
  auto* cursor = static_cast<UploadCursor*>(user);
  const size_t room = size * count;
  const size_t left = cursor->text->size() - cursor->offset;
  const size_t n = left < room ? left : room;
  std::memcpy(buffer, cursor->text->data() + cursor->offset, n);
  cursor->offset += n;
  return n;
}

struct CurlUrl {
  CURLU* h = curl_url();
  ~CurlUrl() { curl_url_cleanup(h); }
  std::string part(CURLUPart which) const {
    char* value = nullptr;
    if (curl_url_get(h, which, &value, 0) != CURLUE_OK || value == nullptr) return {};
    std::string out(value);
    curl_free(value);
    return out;
  }
};

struct CurlHandle {
  CURL* h = curl_easy_init();
  curl_slist* recipients = nullptr;
  ~CurlHandle() {
    curl_slist_free_all(recipients);
    curl_easy_cleanup(h);
  }
};

}  // namespace

Result<std::unique_ptr<SmtpSender>> SmtpSender::create(SmtpConfig config) {
  initCurlOnce();
  // The URL is not echoed in errors: a mistaken one may carry a password.
  CurlUrl url;
  if (url.h == nullptr) return makeError("notices: out of memory");
  if (curl_url_set(url.h, CURLUPART_URL, config.url.c_str(), 0) != CURLUE_OK) {
    return makeError(
        "notices: smtp_url is not a URL (expected smtp://host:port or smtps://host:port)");
  }
  const std::string scheme = url.part(CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps") {
    return makeError("notices: smtp_url scheme must be smtp or smtps, not '" + scheme + "'");
  }
  if (url.part(CURLUPART_HOST).empty()) return makeError("notices: smtp_url has no host");
  if (!url.part(CURLUPART_USER).empty() || !url.part(CURLUPART_PASSWORD).empty()) {
    return makeError(
        "notices: smtp_url must not carry a login; give smtp_user and "
        "smtp_password instead");
  }
  const std::string path = url.part(CURLUPART_PATH);
  if (!(path.empty() || path == "/") || !url.part(CURLUPART_QUERY).empty()) {
    return makeError("notices: smtp_url must be only scheme, host and port (no path or query)");
  }
  if (config.requireStartTls && scheme == "smtps") {
    return makeError("notices: smtp_starttls is for smtp:// URLs; smtps:// is TLS already");
  }
  if (config.username.empty() && !config.password.empty()) {
    return makeError("notices: smtp_password given without smtp_user");
  }
  if (config.timeoutSeconds <= 0) return makeError("notices: SMTP time-out must be positive");
  return std::unique_ptr<SmtpSender>(new SmtpSender(std::move(config)));
}

Result<void> SmtpSender::send(const MailMessage& message) {
  if (!validMailAddress(message.from)) return makeError("SMTP: bad sender address");
  if (message.to.empty()) return makeError("SMTP: no recipient");
  CurlHandle curl;
  if (curl.h == nullptr) return makeError("SMTP: cannot create a curl handle");
  for (const auto& to : message.to) {
    if (!validMailAddress(to)) return makeError("SMTP: bad recipient address");
    curl_slist* more = curl_slist_append(curl.recipients, ("<" + to + ">").c_str());
    if (more == nullptr) return makeError("SMTP: out of memory");
    curl.recipients = more;
  }
  const std::string from = "<" + message.from + ">";
  UploadCursor cursor{&message.text};
  char errorText[CURL_ERROR_SIZE] = {0};

  CURL* h = curl.h;
  curl_easy_setopt(h, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, curl.recipients);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, readMessage);
  curl_easy_setopt(h, CURLOPT_READDATA, &cursor);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a multi-threaded daemon
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, config_.timeoutSeconds);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, config_.timeoutSeconds);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorText);
  if (config_.requireStartTls) curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
  if (!config_.caFile.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.caFile.c_str());
  if (!config_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, config_.username.c_str());
    // libcurl keeps its own copy (and frees it without wiping: out of our hands); ours is wiped.
    std::string password(config_.password.view().begin(), config_.password.view().end());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
    secureWipe(password.data(), password.size());
  }
  // Never CURLOPT_VERBOSE: the trace would show the AUTH exchange.

  const CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return {};
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  std::string why = errorText[0] != '\0' ? errorText : curl_easy_strerror(rc);
  if (reply != 0) why += " (server reply " + std::to_string(reply) + ")";
  return makeError("SMTP: " + why);
}

}  // namespace hp::notices
