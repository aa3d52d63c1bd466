// The access card as a process behind vpcd: "Virtual PCD 00 01" (port 35964) by default.
#include "card/accesscard/access_card_applet.hpp"
#include "card/runtime/card_process.hpp"

int main(int argc, char** argv) {
  const hp::card::runtime::CardProcessConfig config{"accesscard", 35964, "accesscard.state",
                                                    hp::card::accesscard::accessCardAtr()};
  return hp::card::runtime::runCardProcess(
      argc, argv, config,
      [](hp::card::runtime::Storage& storage, hp::base::Clock& clock,
         hp::base::Rng& rng) -> hp::base::Result<std::unique_ptr<hp::card::runtime::Applet>> {
        auto applet = hp::card::accesscard::AccessCardApplet::open(storage, clock, rng);
        if (!applet) return applet.error();
        return std::unique_ptr<hp::card::runtime::Applet>(std::move(applet.value()));
      });
}
