#include "host/pcsc_bridge/card_finder.hpp"

#include "host/pcsc_bridge/apdu_client.hpp"

namespace hp::pcsc_bridge {

Result<std::string> findReaderWithAid(const PcscContext& context, ByteView aid) {
  auto readers = context.listReaders();
  if (!readers) return readers.error();
  std::string tried;
  for (const std::string& reader : *readers) {
    std::string why;
    auto transport = context.connect(reader);
    if (!transport) {
      why = transport.error().message;
    } else {
      ApduClient client(**transport);
      auto selected = client.select(aid);
      if (selected && selected->ok()) return reader;
      why = selected ? "SELECT answered " + formatSw(selected->sw) : selected.error().message;
    }
    tried += "\n  '" + reader + "': " + why;
  }
  return makeError("no card with application " + toHex(aid) + " in any reader:" + tried);
}

}  // namespace hp::pcsc_bridge
