// x402 pay-per-call: Keccak-256 and EIP-712 against published vectors (the EIP-712
// specification's "Ether Mail" example, signed with the key keccak256("cow")); the requirement
// policy; and `sigex fetch-history --access x402` against the Token Metrics simulator's x402
// server, which verifies each payment as a facilitator would: exactly one payment per call,
// each receipt journaled, a stop at the budget, and refusals (malformed requirements, a
// foreign payTo, a price over the limit, a failed settlement) that pay nothing more.

#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/webhook/config.h"
#include "adapters/x402/eip712.h"
#include "adapters/x402/payment.h"
#include "adapters/x402/wallet.h"
#include "engine/exe/fetch_history_command.h"
#include "support/test_support.h"
#include "support/tm_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// keccak256("cow"): the EIP-712 example's signer.
constexpr const char* kCowKey =
    "0xc85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4";

TEST(Keccak256, MatchesEthereumsKeccakNotSha3) {
  EXPECT_EQ(to_hex(keccak256("")),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(to_hex(keccak256("cow")), kCowKey);
}

// https://eips.ethereum.org/EIPS/eip-712 (assets/eip-712/Example.js and its test).
TEST(Eip712, TheSpecificationsMailExampleHashesAndSignsAsPublished) {
  const auto separator =
      domain_separator({"Ether Mail", "1", 1, "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"});
  ASSERT_TRUE(separator) << separator.error();
  EXPECT_EQ(to_hex(*separator),
            "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
  auto person = [](const char* name, const char* wallet) {
    Eip712Struct encoded("Person(string name,address wallet)");
    encoded.string(name);
    EXPECT_TRUE(encoded.address(wallet));
    return encoded.hash();
  };
  Eip712Struct mail(
      "Mail(Person from,Person to,string contents)Person(string name,address wallet)");
  mail.nested(person("Cow", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"));
  mail.nested(person("Bob", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"));
  mail.string("Hello, Bob!");
  EXPECT_EQ(to_hex(mail.hash()),
            "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
  const Bytes32 digest = eip712_digest(*separator, mail.hash());
  EXPECT_EQ(to_hex(digest), "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");

  auto wallet = EvmWallet::from_private_key(Secret(std::string(kCowKey)));
  ASSERT_TRUE(wallet) << wallet.error();
  EXPECT_EQ((*wallet)->address(), "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826");
  // v = 28, r and s as published.
  EXPECT_EQ((*wallet)->sign(digest),
            "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
            "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
            "1c");
  EXPECT_EQ(recover_address(digest, (*wallet)->sign(digest)).value_or(""), (*wallet)->address());
}

TEST(Eip712, BadValuesAreRefusedNotEncoded) {
  Eip712Struct encoded("T(address a,uint256 b,bytes32 c)");
  EXPECT_FALSE(encoded.address("0x1234"));
  EXPECT_FALSE(encoded.uint256("-1"));
  EXPECT_FALSE(encoded.uint256(std::string(80, '9')));  // over 2^256
  EXPECT_TRUE(encoded.uint256(
      "115792089237316195423570985008687907853269984665640564039457584007913129639935"));
  EXPECT_FALSE(encoded.uint256(
      "115792089237316195423570985008687907853269984665640564039457584007913129639936"));
  EXPECT_FALSE(encoded.bytes32("0xzz"));
}

TEST(X402Wallet, AKeyThatIsNotOneIsRefusedWithoutShowingIt) {
  const auto refused = EvmWallet::from_private_key(Secret(std::string("not-a-key-5ecret")));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().find("5ecret"), std::string::npos);
  EXPECT_FALSE(EvmWallet::from_private_key(Secret(std::string(64, '0'))));  // zero: invalid
}

TEST(X402Policy, OnlyTheConfiguredNetworkAssetPayeeAndPriceAreChosen) {
  X402Config config;
  config.pay_to = {"0x7d6c00b1bb2d7fbc3e1e6c4e8f4c42a1a2b3c4d5"};
  PaymentRequirement good{"exact", "base", config.asset, config.pay_to[0], "r",
                          "d",     10'000, 60,           "USD Coin",       "2"};
  EXPECT_TRUE(choose_requirement({good}, config));
  PaymentRequirement other = good;
  other.network = "ethereum";
  PaymentRequirement foreign = good;
  foreign.pay_to = "0x000000000000000000000000000000000000dead";
  PaymentRequirement costly = good;
  costly.amount = config.max_price + 1;
  PaymentRequirement asset = good;
  asset.asset = "0x0000000000000000000000000000000000000001";
  const auto refused = choose_requirement({other, foreign, costly, asset}, config);
  ASSERT_FALSE(refused);
  for (const char* why : {"network ethereum", "not on the allow-list", "over the limit", "asset"})
    EXPECT_NE(refused.error().find(why), std::string::npos) << why << ": " << refused.error();
  // The cheaper acceptable one is chosen among several.
  EXPECT_EQ(choose_requirement({foreign, good}, config)->pay_to, good.pay_to);
  EXPECT_FALSE(parse_payment_required(R"({"x402Version":2,"accepts":[]})"));
  EXPECT_FALSE(
      parse_payment_required(R"({"x402Version":1,"accepts":[{"maxAmountRequired":"x"}]})"));
}

// ---- Stored keys ------------------------------------------------------------------------------

std::string& credentials_directory() {
  static std::string path;
  return path;
}
std::string credentials_only(const std::string& name) {
  return name == "CREDENTIALS_DIRECTORY" ? credentials_directory() : std::string();
}

// With the unit's LoadCredential= (or LoadCredentialEncrypted=) lines, the new secrets are found
// under their default credential names, as the Binance and Token Metrics keys are.
TEST(StoredKeys, TheWalletKeyAndTheWebhookSecretComeFromSystemdCredentialsByDefault) {
  TemporaryDirectory directory;
  std::ofstream(directory.path() / "sigex-x402-wallet-key") << kCowKey << "\n";
  std::ofstream(directory.path() / "sigex-webhook-secret") << "webhook-credential-secret\n";
  credentials_directory() = directory.path().string();
  const auto key = load_secret(X402Config{}.wallet_key, credentials_only);
  ASSERT_TRUE(key) << key.error();
  EXPECT_EQ(key->origin, "systemd credential sigex-x402-wallet-key");
  auto wallet = EvmWallet::from_private_key(key->secret);
  ASSERT_TRUE(wallet) << wallet.error();
  EXPECT_EQ((*wallet)->address(), "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826");
  const auto secrets = load_keys(webhook_key_slots(WebhookConfig{}), {}, credentials_only);
  ASSERT_TRUE(secrets) << secrets.error();
  ASSERT_EQ(secrets->size(), 1u);
  EXPECT_EQ(secrets->front().origin, "systemd credential sigex-webhook-secret");
  EXPECT_EQ(secrets->front().secret->reveal(), "webhook-credential-secret");
  credentials_directory() = (directory.path() / "missing").string();
  const auto missing = load_secret(X402Config{}.wallet_key, credentials_only);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("x402 wallet private key not found"), std::string::npos)
      << missing.error();
}

// ---- fetch-history over x402 against the simulator ------------------------------------------

class X402FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TmSimulatorOptions options;
    options.x402.enabled = true;
    simulator_ = std::make_unique<TmSimulator>(options);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;
    ASSERT_TRUE(simulator_->load_recorded(
        "trading-signals",
        std::string(SIGEX_SOURCE_DIR) + "/config/data/samples/daily_trading_signals_btc.jsonl.gz",
        error))
        << error;
    ConfigErrors errors;
    config_ =
        load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml", errors);
    ASSERT_TRUE(errors.empty());
    config_.engine.state_dir = (directory_.path() / "state").string();
    config_.token_metrics = simulator_config(*simulator_);
    config_.token_metrics.access = TmAccess::kX402;
    X402Config& x402 = config_.token_metrics.x402;
    x402.pay_to = {options.x402.pay_to};
    const auto key_file = directory_.path() / "wallet.key";
    std::ofstream(key_file) << kCowKey << "\n";
    ::chmod(key_file.c_str(), 0600);
    x402.wallet_key = {"", key_file.string(), "", "x402 wallet private key"};
    // A month of daily signals: two 29-day windows of trading-signals.
    options_.from_day_ns = parse_utc_timestamp("2021-12-01").value();
    options_.to_day_ns = parse_utc_timestamp("2021-12-31").value();
    options_.out_path = (directory_.path() / "history.jsonl.gz").string();
    options_.quiet = true;
    options_.progress = ProgressMode::kNever;
    lines_ = std::make_shared<std::ostringstream>();
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "x402", std::make_shared<spdlog::sinks::ostream_sink_mt>(*lines_)));
  }
  void TearDown() override {
    spdlog::set_default_logger(previous_);
    // The wallet key never shows, whatever happened.
    EXPECT_EQ(lines_->str().find("c85ef7d79691fe79573b1a7064c19c1a"), std::string::npos);
  }

  // (state, transaction) of every journaled payment, oldest first.
  std::vector<std::pair<std::string, std::string>> journal() const {
    sqlite3* database = nullptr;
    const std::string path = config_.engine.state_dir + "/x402_payments.db";
    std::vector<std::pair<std::string, std::string>> rows;
    if (sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(database);
      return rows;
    }
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(
        database, "SELECT state, COALESCE(transaction_hash, '') FROM x402_payments ORDER BY id", -1,
        &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW) {
      rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)),
                        reinterpret_cast<const char*>(sqlite3_column_text(statement, 1)));
    }
    sqlite3_finalize(statement);
    sqlite3_close(database);
    return rows;
  }

  TemporaryDirectory directory_;
  std::unique_ptr<TmSimulator> simulator_;
  AppConfig config_;
  FetchHistoryOptions options_;
  std::shared_ptr<std::ostringstream> lines_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(X402FetchTest, AMonthOfDailySignalsPaysExactlyOncePerCallAndJournalsEachReceipt) {
  ASSERT_EQ(run_fetch_history(config_, options_), 0) << lines_->str();
  const auto payments = simulator_->payments();
  const std::size_t calls = simulator_->requests() / 2;  // each call: a 402, then the paid one
  ASSERT_EQ(simulator_->requests() % 2, 0u);
  EXPECT_GE(calls, 2u);
  ASSERT_EQ(payments.size(), calls);
  std::set<std::string> nonces;
  for (const TmPayment& payment : payments) {
    EXPECT_TRUE(payment.settled);
    EXPECT_EQ(payment.value, 10'000);  // exactly the price asked
    EXPECT_EQ(payment.payer, "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826");
    nonces.insert(payment.nonce);
  }
  EXPECT_EQ(nonces.size(), payments.size());
  const auto rows = journal();
  ASSERT_EQ(rows.size(), payments.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].first, "settled");
    EXPECT_EQ(rows[i].second, payments[i].transaction);
  }
  EXPECT_TRUE(std::filesystem::exists(options_.out_path));
}

TEST_F(X402FetchTest, ItStopsAtTheDailyBudgetWithoutPayingAndResumesLater) {
  config_.token_metrics.x402.daily_budget = 10'000;  // one call
  EXPECT_EQ(run_fetch_history(config_, options_), 3) << lines_->str();
  EXPECT_EQ(simulator_->payments().size(), 1u);
  EXPECT_NE(lines_->str().find("daily budget of 0.010000 USDC is reached"), std::string::npos)
      << lines_->str();
  EXPECT_EQ(journal().size(), 1u);
  // The same day again: the journal remembers what was spent; nothing is paid.
  EXPECT_EQ(run_fetch_history(config_, options_), 3);
  EXPECT_EQ(simulator_->payments().size(), 1u);
}

TEST_F(X402FetchTest, AForeignPayeeMalformedRequirementsOrAPriceOverTheLimitAreNeverPaid) {
  simulator_->inject({TmFault::kX402ForeignPayTo});
  EXPECT_EQ(run_fetch_history(config_, options_), 1);
  EXPECT_NE(lines_->str().find("not on the allow-list"), std::string::npos) << lines_->str();
  simulator_->inject({TmFault::kX402Malformed});
  EXPECT_EQ(run_fetch_history(config_, options_), 1);
  EXPECT_NE(lines_->str().find("maxAmountRequired"), std::string::npos) << lines_->str();
  simulator_->set_x402_price(config_.token_metrics.x402.max_price + 1);
  EXPECT_EQ(run_fetch_history(config_, options_), 1);
  EXPECT_NE(lines_->str().find("over the limit"), std::string::npos) << lines_->str();
  EXPECT_TRUE(simulator_->payments().empty());
  EXPECT_TRUE(journal().empty());
}

TEST_F(X402FetchTest, AFailedSettlementIsJournaledAndNotPaidAgain) {
  simulator_->inject({TmFault::kX402SettlementFailed});
  EXPECT_EQ(run_fetch_history(config_, options_), 1);
  ASSERT_EQ(simulator_->payments().size(), 1u);
  EXPECT_FALSE(simulator_->payments()[0].settled);
  EXPECT_EQ(simulator_->requests(), 2u);  // the 402 and the one paid request: no retry storm
  const auto rows = journal();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].first, "failed");
  EXPECT_NE(lines_->str().find("settlement_failed"), std::string::npos) << lines_->str();
}

}  // namespace
}  // namespace sigex
