// The access card as a process behind vpcd: "Virtual PCD 00 01" (port 35964) by default.
#include "card/accesscard/access_card_applet.hpp"
#include "card/runtime/card_process.hpp"

int main(int argc, char** argv) {
  const hp::card::CardProcessConfig config{"accesscard", 35964, "accesscard.state",
                                           hp::accesscard::accessCardAtr()};
  return hp::card::runCardProcess(
      argc, argv, config,
      [](hp::card::Storage& storage, hp::card::Clock& clock,
         hp::card::Rng& rng) -> hp::Result<std::unique_ptr<hp::card::Applet>> {
        auto applet = hp::accesscard::AccessCardApplet::open(storage, clock, rng);
        if (!applet) return applet.error();
        return std::unique_ptr<hp::card::Applet>(std::move(applet.value()));
      });
}
