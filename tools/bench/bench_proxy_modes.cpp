// The proxy benchmark's set-up modes: the shops and the home side, and per mode ('a'
// conventional, 'B'/'b' first visit, 'C'/'c' second visit, 's' channel set-up, 'r' channel
// resumption) what is prepared before and measured in one sample.
#include "tools/bench/bench_proxy_modes.hpp"

#include <valgrind/callgrind.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "host/terminal/home_channel.hpp"
#include "host/tls_proxy/delegated_handshake.hpp"
#include "host/tls_proxy/resumed_connection.hpp"
#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/session_handout.hpp"
#include "host/tls_proxy/software_signer.hpp"
#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/session_methods.hpp"
#include "tools/bench/bench_proxy_load.hpp"
#include "tools/bench/bench_proxy_world.hpp"
#include "tools/bench/delay_relay.hpp"

namespace hp::bench {
namespace {

// The set-up itself, and nothing else: callgrind collects only inside this function
// (--toggle-collect), and public-key operations are counted only while it runs.
__attribute__((noinline)) Result<void> terminalSetup(const std::function<Result<void>()>& work) {
  setPkCounting(true);
  auto result = work();
  setPkCounting(false);
  return result;
}

}  // namespace

Result<void> Bench::setUp() {
  for (const auto& [name, tickets] : {std::pair{"session-id", false}, std::pair{"ticket", true}}) {
    ShopUnderTest entry;
    entry.name = name;
    auto shop = Shop::start(options_.pki, tickets);
    if (!shop) return shop.error();
    entry.shop = std::move(shop.value());
    auto relay = DelayRelay::start(entry.shop->port(), 0);
    if (!relay) return relay.error();
    entry.relay = std::move(relay.value());
    shops_.push_back(std::move(entry));
  }
  auto home = HomeSide::start(options_.pki);
  if (!home) return makeError("home side: " + home.error().message);
  home_ = std::move(home.value());
  auto relay = DelayRelay::start(home_->port(), 0);
  if (!relay) return relay.error();
  homeRelay_ = std::move(relay.value());
  const std::string terminalId = "bench-terminal";
  auto access = AccessSide::create(home_->serverPublicKey(), terminalId,
                                   "127.0.0.1:" + std::to_string(homeRelay_->port()));
  if (!access) return makeError("access card: " + access.error().message);
  access_ = std::move(access.value());
  auto terminalKey = access_->client->readPublicKey();
  if (!terminalKey) return card_adapters::toError(terminalKey.error());
  if (auto r = home_->directory->registerTerminal(terminalId, *terminalKey); !r) return r.error();
  auto key =
      tls_proxy::SoftwareSigner::fromPemFiles(options_.pki.userKey(), options_.pki.userCert());
  if (!key) return key.error();
  softwareKey_ = std::move(key.value());
  // The terminal's PIN2 authority (docs/control-channel.md, "Authority"), given once and outside
  // every measurement, as the user does with `terminal pin2` after unlocking.
  auto channel = connectChannel();
  if (!channel) return channel.error();
  using protocol::rpc::CardPin2;
  if (auto granted = protocol::rpc::call<CardPin2>(**channel, {HomeSide::kPin2}); !granted) {
    return makeError(std::string(CardPin2::kName) + ": " + granted.error().message);
  }
  return {};
}

void Bench::setDelay(uint32_t ms) {
  homeRelay_->setDelayMs(ms);
  for (auto& shop : shops_) shop.relay->setDelayMs(ms);
}

// (a): the whole mutual-auth handshake on the terminal, chain check and signature included.
Result<void> Bench::conventional(ShopUnderTest& shop) {
  tls_proxy::DelegatedHandshakeRequest request;
  request.host = "localhost";
  request.port = shop.relay->port();
  request.caFile = options_.pki.rootCert();
  request.connectAddress = "127.0.0.1";
  auto session = tls_proxy::performDelegatedHandshake(request, *softwareKey_);
  if (!session) return session.error();
  return {};
}

Result<std::unique_ptr<terminal::HomeChannel>> Bench::connectChannel() {
  auto channel = terminal::HomeChannel::connect(*access_->client, [](const std::string&) {});
  if (!channel) return makeError("channel: " + channel.error().message);
  return std::move(channel.value());
}

// One shop session over an open channel, as `terminal get` does before its HTTP request
// (host/terminal): session.open with its binary hand-out, resumption with the shop.
Result<void> Bench::shopSession(terminal::HomeChannel& channel, ShopUnderTest& shop) {
  Json::Value params;
  params["url"] = url(shop);
  auto opened = channel.callWithAttachment("session.open", params);
  if (!opened) return makeError("session.open: " + opened.error().message);
  // The shop is reached through the terminal's (slow) link: same host name, the relay's port.
  auto blob = tls_proxy::decodeSessionHandout(opened->attachment.view(), "localhost",
                                              shop.relay->port(), tls_proxy::systemUnixNow());
  if (!blob) return blob.error();
  tls_proxy::ResumeOptions resume;
  resume.connectAddress = "127.0.0.1";
  auto connection = tls_proxy::ResumedConnection::open(*blob, resume);
  if (!connection) return makeError("resume: " + connection.error().message);
  if (!(*connection)->evidence().resumed) return makeError("the shop did not resume");
  (void)(*connection)->close();
  return {};
}

// No session cached at home for the shop (through the held channel, or a passing one).
Result<void> Bench::dropSession(ShopUnderTest& shop) {
  std::unique_ptr<terminal::HomeChannel> passing;
  if (!held_) {
    auto channel = connectChannel();
    if (!channel) return channel.error();
    passing = std::move(channel.value());
  }
  using protocol::rpc::SessionDrop;
  auto dropped = protocol::rpc::call<SessionDrop>(
      held_ ? *held_ : *passing, {"localhost:" + std::to_string(shop.shop->port()), std::nullopt});
  if (!dropped) return makeError(std::string(SessionDrop::kName) + ": " + dropped.error().message);
  return {};
}

// Outside the measurement: the state each set-up starts from.
Result<void> Bench::prepare(ShopUnderTest& shop, char mode) {
  switch (mode) {
    case 'B':  // first visit, no channel: no session at home, no ticket on the card
    case 's':  // channel set-up: no ticket on the card (a fresh unlock)
      if (mode == 'B') {
        if (auto r = dropSession(shop); !r) return r;
      }
      held_.reset();
      // A fresh unlock: locking wipes the ticket the card keeps in its RAM.
      if (auto locked = access_->client->lock(); !locked)
        return card_adapters::toError(locked.error());
      if (auto pin = access_->client->verifyPin(AccessSide::kPin); !pin || !pin->verified()) {
        return makeError("access card: the bench PIN was refused");
      }
      return {};
    case 'C':  // second visit, a new terminal process: the ticket (from 'B') is on the card
    case 'r':  // channel resumption: the ticket (from 's') is on the card
      held_.reset();
      return {};
    case 'b':  // first visit over the held channel
      if (auto r = dropSession(shop); !r) return r;
      [[fallthrough]];
    case 'c':
      if (!held_) {
        auto channel = connectChannel();
        if (!channel) return channel.error();
        held_ = std::move(channel.value());
      }
      return {};
    default:
      return {};
  }
}

// The measured part of each set-up.
Result<void> Bench::work(ShopUnderTest& shop, char mode) {
  switch (mode) {
    case 'a':
      return conventional(shop);
    case 's':
    case 'r': {
      auto channel = connectChannel();
      if (!channel) return channel.error();
      held_ = std::move(channel.value());
      return {};
    }
    case 'b':
    case 'c':
      return shopSession(*held_, shop);
    default: {  // 'B', 'C': a channel for this one shop session, closed after it
      auto channel = connectChannel();
      if (!channel) return channel.error();
      return shopSession(**channel, shop);
    }
  }
}

Result<Sample> Bench::measure(ShopUnderTest& shop, char mode) {
  if (auto r = prepare(shop, mode); !r) return r.error();
  // Let the previous connections' last bytes pass the relays before zeroing.
  std::this_thread::sleep_for(std::chrono::milliseconds(20 + 2 * kSlowLinkOneWayMs));
  homeRelay_->resetCounters();
  shop.relay->resetCounters();
  resetPkOps();
  const uint64_t homeBefore = home_->cardApdus();
  const uint64_t accessBefore = access_->cardApdus();
  const auto start = std::chrono::steady_clock::now();
  CALLGRIND_ZERO_STATS;
  auto result = terminalSetup([&] { return work(shop, mode); });
  const std::string label = std::string(1, mode) + "-" + shop.name;
  if (options_.callgrind && reporting_) CALLGRIND_DUMP_STATS_AT(label.c_str());
  const auto end = std::chrono::steady_clock::now();
  if (!result) return makeError(label + ": " + result.error().message);
  Sample sample;
  sample.wallMs = std::chrono::duration<double, std::milli>(end - start).count();
  sample.pk = pkOps();
  sample.homeApdus = home_->cardApdus() - homeBefore;
  sample.accessApdus = access_->cardApdus() - accessBefore;
  std::this_thread::sleep_for(std::chrono::milliseconds(20 + 2 * kSlowLinkOneWayMs));
  sample.controlBytes = homeRelay_->bytesTotal();
  sample.bytes = sample.controlBytes + shop.relay->bytesTotal();
  return sample;
}

}  // namespace hp::bench
