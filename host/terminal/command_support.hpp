// What the CLI's command files share (terminal_commands.cpp, purse_commands.cpp): messages to
// the user, the output layout from the access card, and a request to a shop over a session the
// home server delegated.
#pragma once

#include <string>

#include "host/terminal/access_card_link.hpp"
#include "host/terminal/cli_args.hpp"
#include "host/terminal/home_channel.hpp"
#include "host/terminal/http_message.hpp"
#include "host/terminal/layout.hpp"

namespace hp::terminal {

// Exit statuses (host/terminal/README.md, "Exit statuses"): 0 done; 1 failed, nothing moved;
// 2 bad command line; 3 not finished or outcome unknown: the message names the one command
// that settles it (`pay`, `refund`, `history` for a top-up the home server finishes itself).
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnsettled = 3;

// "terminal: MESSAGE" on stderr; returns the failing exit status 1.
int fail(const std::string& message);
// "terminal: MESSAGE" on stderr; returns kExitUnsettled.
int unsettled(const std::string& message);
void print(const std::string& text);
// Progress lines on stderr with -v; empty otherwise.
InfoSink infoSink(const CliOptions& options);
void info(const InfoSink& sink, const std::string& line);
OutputLayout layoutOf(card_adapters::AccessCardClient& card);

// One HTTP request to the shop over a resumed session from session.open (retried once with a
// fresh session if the shop will not resume).
Result<HttpAnswer> fetchDelegated(
    HomeChannel& channel, const HttpsUrl& url, const std::string& method, const std::string& body,
    const InfoSink& sink, const std::string& contentType = "application/x-www-form-urlencoded");

// The same request made by the home server over its own session with the shop (relay.request);
// the shop sees the same client certificate.
Result<HttpAnswer> fetchRelayed(HomeChannel& channel, const HttpsUrl& url,
                                const std::string& method, const std::string& body);

// buy, balance, history, topup, cancel (purse_commands.cpp).
int runPurseCommand(const CliOptions& options, AccessCardLink& link);

// appliances, appliance NAME [VALUE] (appliance_commands.cpp).
int runApplianceCommand(const CliOptions& options, AccessCardLink& link);
// dav: serve CalDAV/CardDAV on loopback through pim.request (dav_command.cpp; runs until killed).
int runDavCommand(const CliOptions& options, AccessCardLink& link);

}  // namespace hp::terminal
