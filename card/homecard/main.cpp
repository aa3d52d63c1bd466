// The home card as a process behind vpcd: "Virtual PCD 00 00" (port 35963) by default.
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_process.hpp"

int main(int argc, char** argv) {
  const hp::card::CardProcessConfig config{"homecard", 35963, "homecard.state",
                                           hp::homecard::homeCardAtr()};
  return hp::card::runCardProcess(
      argc, argv, config,
      [](hp::card::Storage& storage, hp::card::Clock& clock,
         hp::card::Rng& rng) -> hp::Result<std::unique_ptr<hp::card::Applet>> {
        auto applet = hp::homecard::HomeCardApplet::open(storage, clock, rng);
        if (!applet) return applet.error();
        return std::unique_ptr<hp::card::Applet>(std::move(applet.value()));
      });
}
