#include "tools/conform/card_under_test.hpp"

#include <chrono>
#include <thread>

#include "base/clock.hpp"
#include "base/rng.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/storage.hpp"
#include "host/pcsc_bridge/in_process_transport.hpp"
#include "tools/conform/test_card.hpp"

#ifdef HP_CONFORM_HAVE_HOMECARD
#include "card/homecard/home_card_applet.hpp"
#endif
#ifdef HP_CONFORM_HAVE_ACCESSCARD
#include "card/accesscard/access_card_applet.hpp"
#endif
#ifdef HP_CONFORM_HAVE_PCSC
#include "host/pcsc_bridge/pcsc_context.hpp"
#endif

namespace hp::conform {

namespace {

class InProcessCard final : public CardUnderTest {
 public:
  InProcessCard(const std::string& name, uint64_t seed)
      : name_(name), rng_(base::makeSeededRng(seed)) {}

  template <class AppletType>
  Result<void> build(Bytes atr) {
    auto applet = AppletType::open(storage_, clock_, *rng_);
    if (!applet) return applet.error();
    applet_ = std::move(applet.value());
    runtime_ = std::make_unique<card::runtime::CardRuntime>(
        std::move(atr), std::vector<card::runtime::Applet*>{applet_.get()});
    transport_ = std::make_unique<pcsc_bridge::InProcessTransport>(*runtime_, name_);
    return {};
  }

  pcsc_bridge::Transport& transport() override { return *transport_; }
  void sleepMs(uint64_t ms) override { clock_.advanceMs(ms); }

 private:
  std::string name_;
  card::runtime::MemoryStorage storage_;
  base::ManualClock clock_;
  std::unique_ptr<base::Rng> rng_;
  std::unique_ptr<card::runtime::Applet> applet_;
  std::unique_ptr<card::runtime::CardRuntime> runtime_;
  std::unique_ptr<pcsc_bridge::InProcessTransport> transport_;
};

#ifdef HP_CONFORM_HAVE_PCSC
class ReaderCard final : public CardUnderTest {
 public:
  explicit ReaderCard(std::unique_ptr<pcsc_bridge::Transport> transport)
      : transport_(std::move(transport)) {}
  pcsc_bridge::Transport& transport() override { return *transport_; }
  void sleepMs(uint64_t ms) override { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

 private:
  std::unique_ptr<pcsc_bridge::Transport> transport_;
};
#endif

}  // namespace

std::vector<std::string> inProcessCardNames() {
  std::vector<std::string> names;
#ifdef HP_CONFORM_HAVE_HOMECARD
  names.push_back("homecard");
#endif
#ifdef HP_CONFORM_HAVE_ACCESSCARD
  names.push_back("accesscard");
#endif
  names.push_back("testcard");
  return names;
}

Result<std::unique_ptr<CardUnderTest>> openInProcessCard(const std::string& card, uint64_t seed) {
  auto result = std::make_unique<InProcessCard>(card, seed);
  Result<void> built = makeError("no in-process card named '" + card + "' in this build");
  if (card == "testcard") built = result->build<TestCardApplet>(testCardAtr());
#ifdef HP_CONFORM_HAVE_HOMECARD
  if (card == "homecard")
    built = result->build<card::homecard::HomeCardApplet>(card::homecard::homeCardAtr());
#endif
#ifdef HP_CONFORM_HAVE_ACCESSCARD
  if (card == "accesscard") {
    built = result->build<card::accesscard::AccessCardApplet>(card::accesscard::accessCardAtr());
  }
#endif
  if (!built) return built.error();
  return std::unique_ptr<CardUnderTest>(std::move(result));
}

Result<std::unique_ptr<CardUnderTest>> openReaderCard(const std::string& reader) {
#ifdef HP_CONFORM_HAVE_PCSC
  auto context = pcsc_bridge::PcscContext::establish();
  if (!context) return context.error();
  // The transport keeps the PC/SC context alive itself (PcscContext shares its handle).
  auto transport = context.value().connect(reader);
  if (!transport) return transport.error();
  return std::unique_ptr<CardUnderTest>(
      new ReaderCard(std::unique_ptr<pcsc_bridge::Transport>(std::move(transport.value()))));
#else
  return makeError(
      "this build has no PC/SC transport (host/pcsc_bridge/pcsc_context.hpp); cannot "
      "reach reader '" +
      reader + "'");
#endif
}

}  // namespace hp::conform
