// The interface every on-card application implements. The runtime owns framing (SELECT,
// chaining, GET RESPONSE); an applet only sees complete, parsed commands addressed to it.
#pragma once

#include "base/bytes.hpp"
#include "protocol/apdu/command_apdu.hpp"
#include "protocol/apdu/status_word.hpp"

namespace hp::card::runtime {

struct Response {
  Bytes data;
  protocol::apdu::StatusWord sw = protocol::apdu::sw::kOk;
  // True when answering the same command again gives the same answer with no side effect.
  // Only such answers may be refused with 6Cxx (wrong Le) and re-asked by the host; any other
  // answer that exceeds Le is delivered through 61xx / GET RESPONSE so it is never recomputed.
  bool idempotent = false;

  static Response status(protocol::apdu::StatusWord s) { return Response{{}, s, false}; }
  static Response ok(Bytes d = {}) {
    return Response{std::move(d), protocol::apdu::sw::kOk, false};
  }
  static Response read(Bytes d) { return Response{std::move(d), protocol::apdu::sw::kOk, true}; }
};

class Applet {
 public:
  virtual ~Applet() = default;
  // The application identifier matched by SELECT (ISO 7816-4 clause 12.2.2, P1 = 04).
  virtual ByteView aid() const = 0;
  // Contents of the proprietary template A5 in the FCI returned on SELECT.
  virtual Bytes fciProprietary() const { return {}; }
  // Called when the applet is selected; a status other than 9000 refuses the selection.
  virtual protocol::apdu::StatusWord onSelect() { return protocol::apdu::sw::kOk; }
  virtual void onDeselect() {}
  // Power-on, warm reset or power-off: all volatile security state is lost.
  virtual void onReset() {}
  virtual Response process(const protocol::apdu::CommandApdu& cmd) = 0;
};

}  // namespace hp::card::runtime
