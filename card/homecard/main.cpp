// The home card as a process behind vpcd: "Virtual PCD 00 00" (port 35963) by default.
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_process.hpp"

int main(int argc, char** argv) {
  const hp::card::runtime::CardProcessConfig config{"homecard", 35963, "homecard.state",
                                                    hp::card::homecard::homeCardAtr()};
  return hp::card::runtime::runCardProcess(
      argc, argv, config,
      [](hp::card::runtime::Storage& storage, hp::base::Clock& clock,
         hp::base::Rng& rng) -> hp::base::Result<std::unique_ptr<hp::card::runtime::Applet>> {
        auto applet = hp::card::homecard::HomeCardApplet::open(storage, clock, rng);
        if (!applet) return applet.error();
        return std::unique_ptr<hp::card::runtime::Applet>(std::move(applet.value()));
      });
}
