// The main loop shared by the card executables: parse the command line, open the state file,
// build the applet, and serve it to vpcd until told to stop.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "card/runtime/applet.hpp"
#include "card/runtime/storage.hpp"

namespace hp::card::runtime {

struct CardProcessConfig {
  std::string name;          // "homecard"
  uint16_t defaultPort;      // 35963 = "Virtual PCD 00 00"
  std::string defaultState;  // default --state path
  Bytes atr;
};

using AppletFactory = std::function<Result<std::unique_ptr<Applet>>(Storage&, Clock&, Rng&)>;

// Options: --port N, --host ADDR (default 127.0.0.1), --state FILE, --key FILE (default
// FILE.key), --trace, --quiet, --help.
// Returns the process exit status.
int runCardProcess(int argc, char** argv, const CardProcessConfig& config,
                   const AppletFactory& makeApplet);

}  // namespace hp::card::runtime
