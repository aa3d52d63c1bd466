// AEAD records of an established channel (AES-256-GCM).
// nonce = direction IV XOR the 64-bit sequence number (implicit: counted, never sent);
// AAD = direction || sequence number || frame type || payload length.
// So a replayed, reordered, dropped, altered or reflected record fails authentication. Any
// failure kills the protector: every later call is refused and the keys are wiped.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/channel/frame.hpp"
#include "host/channel/key_schedule.hpp"

namespace hp::channel {

enum class Direction : uint8_t { kClientToServer = 1, kServerToClient = 2 };
enum class Role { kClient, kServer };

struct Record {
  FrameType type = FrameType::kApplicationData;
  Bytes data;
};

class RecordProtector {
 public:
  // Takes the session's traffic keys; the role picks which direction it seals and opens.
  RecordProtector(const SessionKeys& keys, Role role);
  ~RecordProtector() { wipe(); }
  RecordProtector(const RecordProtector&) = delete;
  RecordProtector& operator=(const RecordProtector&) = delete;

  // One application data frame (header and sealed payload), at most kMaxRecordPlaintext.
  Result<Bytes> seal(ByteView plaintext);
  // The authenticated close frame; after it nothing more may be sealed.
  Result<Bytes> sealClose();
  // Opens one whole frame. A close record is returned as Record{kClose}; after it, or after any
  // failure, open refuses everything.
  Result<Record> open(ByteView frame);

  bool failed() const { return failed_; }
  bool sendClosed() const { return sendClosed_; }
  bool receiveClosed() const { return receiveClosed_; }
  uint64_t sentRecords() const { return sendSequence_; }
  uint64_t receivedRecords() const { return receiveSequence_; }

 private:
  Result<Bytes> sealFrame(FrameType type, ByteView plaintext);
  Error fail(const std::string& why);
  void wipe();

  DirectionKeys send_;
  DirectionKeys receive_;
  Direction sendDirection_;
  Direction receiveDirection_;
  uint64_t sendSequence_ = 0;
  uint64_t receiveSequence_ = 0;
  bool failed_ = false;
  bool sendClosed_ = false;
  bool receiveClosed_ = false;
};

}  // namespace hp::channel
