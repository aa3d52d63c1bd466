// Where main() gets the card-backed pieces: the home card (PIN1/PIN2, the user's TLS key) and
// the terminal registry. Kept apart from main so the choice of implementation is one file.
#pragma once

#include <memory>

#include "host/home_server/card/home_card.hpp"
#include "host/home_server/card/reconnecting_transport.hpp"
#include "host/home_server/daemon/config.hpp"
#include "host/home_server/terminals/terminal_directory.hpp"

namespace hp::home_server {

struct CardParts {
  std::shared_ptr<void> keepAlive;  // whatever the pieces below need to stay open (PC/SC...)
  HomeCard* card = nullptr;
  TerminalDirectory* terminals = nullptr;
  ReconnectingTransport* link = nullptr;  // the card's link: lost / reopened events for the log
  std::string description;                // for the log: which reader
};

Result<CardParts> openCardParts(const HomeServerConfig& config);

}  // namespace hp::home_server
