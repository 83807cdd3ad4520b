#include "adapters/token_metrics/parse_records.h"

#include <fstream>
#include <sstream>

#include "adapters/token_metrics/parse_page.h"

#include <gtest/gtest.h>

#include "engine/core/calendar.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

class TokenMetricsParserTest : public ::testing::Test {
 protected:
  TokenMetricsParserTest() : instruments_(two_instruments()), parser_(instruments_) {}

  Result<std::size_t> parse(std::string frame) {
    out_.clear();
    frame.reserve(frame.size() + simdjson::SIMDJSON_PADDING);
    return parser_.parse(frame, 99, out_);
  }

  InstrumentRegistry instruments_;
  TokenMetricsParser parser_;
  std::vector<InboundEvent> out_;
};

TEST_F(TokenMetricsParserTest, DailySignalWithGradeInTheCapturedShape) {
  ASSERT_EQ(parse(R"({"success":true,"message":"Data fetched successfully","length":1,"data":[
    {"TOKEN_ID":3375,"TOKEN_NAME":"Bitcoin","TOKEN_SYMBOL":"BTC","DATE":"2025-04-10T00:00:00.000Z",
     "TRADING_SIGNAL":1,"TOKEN_TREND":1,"TRADING_SIGNALS_RETURNS":45098.7035,
     "HOLDING_RETURNS":7559.6422,"tm_link":"bitcoin","TM_TRADER_GRADE":26.48,
     "TM_INVESTOR_GRADE":58.23,"TM_LINK":"https://app.tokenmetrics.com/undefined"}]})")
                .value(),
            1u);
  ASSERT_EQ(out_.size(), 2u);
  // The grade comes first so a strategy sees it when the signal arrives.
  EXPECT_EQ(out_[0].kind, MarketEventKind::kGrade);
  EXPECT_EQ(out_[0].grade.hundredths, 2648);
  EXPECT_EQ(out_[0].grade.kind, GradeKind::kTraderGrade);
  EXPECT_EQ(out_[1].kind, MarketEventKind::kTradingSignal);
  const TradingSignal& signal = out_[1].trading_signal;
  EXPECT_EQ(signal.instrument, 0);
  EXPECT_EQ(signal.signal, 1);
  EXPECT_EQ(signal.trend, 1);
  EXPECT_EQ(signal.timeframe, SignalTimeframe::kDaily);
  EXPECT_EQ(signal.venue_time_ns, parse_utc_timestamp("2025-04-10").value());
  EXPECT_EQ(signal.receive_time_ns, 99);
}

TEST_F(TokenMetricsParserTest, HourlySignalsAsStringsAndLowerCaseNames) {
  ASSERT_TRUE(parse(R"({"success":true,"message":"","length":2,"data":[
    {"TIMESTAMP":"2025-09-01T13:00:00.000Z","TOKEN_ID":3375,"CLOSE":108950.12,"SIGNAL":"-1","POSITION":"-1"},
    {"token_id":3306,"date":"2025-09-01","trading_signal":"0","tm_grade":"71.25"}]})"));
  ASSERT_EQ(out_.size(), 3u);
  // Oldest first: the ETH row (00:00) before the BTC row (13:00); a row's grade before its signal.
  EXPECT_EQ(out_[0].grade.kind, GradeKind::kTmGrade);
  EXPECT_EQ(out_[0].grade.hundredths, 7125);
  EXPECT_EQ(out_[1].trading_signal.instrument, 1);
  EXPECT_EQ(out_[2].trading_signal.timeframe, SignalTimeframe::kHourly);
  EXPECT_EQ(out_[2].trading_signal.signal, -1);
  EXPECT_EQ(out_[2].trading_signal.trend, -1);
}

TEST_F(TokenMetricsParserTest, BadItemsAreRejectedWithReasonsAndTheRestKept) {
  ASSERT_EQ(parse(R"({"success":true,"message":"","length":7,"data":[
    {"DATE":"2025-04-10","TRADING_SIGNAL":1},
    {"TOKEN_ID":3375,"TRADING_SIGNAL":1},
    {"TOKEN_ID":3375,"DATE":"April 10","TRADING_SIGNAL":1},
    {"TOKEN_ID":3375,"DATE":"2025-04-10","TRADING_SIGNAL":2},
    {"TOKEN_ID":3375,"DATE":"2025-04-10","TM_TRADER_GRADE":101},
    {"TOKEN_ID":1,"DATE":"2025-04-10","TRADING_SIGNAL":1},
    {"TOKEN_ID":3375,"DATE":"2025-04-10","TRADING_SIGNAL":-1,"TM_TRADER_GRADE":null}]})")
                .value(),
            7u);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].trading_signal.signal, -1);
  EXPECT_EQ(parser_.rejected(SignalRejection::kMissingTokenId), 1u);
  EXPECT_EQ(parser_.rejected(SignalRejection::kMissingTime), 1u);
  EXPECT_EQ(parser_.rejected(SignalRejection::kBadTime), 1u);
  EXPECT_EQ(parser_.rejected(SignalRejection::kValueOutOfRange), 2u);
  EXPECT_EQ(parser_.rejected(SignalRejection::kUnmappedToken), 1u);
}

TEST_F(TokenMetricsParserTest, EnvelopeErrorsRejectTheWholePage) {
  EXPECT_EQ(parse(R"({"success":false,"message":"Invalid API key"})").error().code,
            Errc::kUnsupported);
  EXPECT_EQ(parse(R"({"message":"","data":[]})").error().code, Errc::kMissingField);
  EXPECT_FALSE(parse(R"({"success":true,"data":{}})"));
  EXPECT_FALSE(parse(
      R"({"success":true,"data":[{"TOKEN_ID":3375,"DATE":"2025-04-10","TRADING_SIGNAL":1}, )"));
  EXPECT_TRUE(out_.empty());  // a truncated page never yields partial signals
}

TEST(ParseGrade, TruncatesExtraDecimalsAndChecksRange) {
  EXPECT_EQ(parse_grade_hundredths("87.93").value(), 8793);
  EXPECT_EQ(parse_grade_hundredths("26.483333").value(), 2648);
  EXPECT_EQ(parse_grade_hundredths("100").value(), 10000);
  EXPECT_FALSE(parse_grade_hundredths("100.01"));
  EXPECT_FALSE(parse_grade_hundredths("-1"));
  EXPECT_FALSE(parse_grade_hundredths("5e1"));
  EXPECT_FALSE(parse_grade_hundredths("1.23x"));
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

TEST(TokenMetricsParserEnvelope, SuccessFalseAfterDataLeavesNothing) {
  const InstrumentRegistry instruments = testing::two_instruments();
  TokenMetricsParser parser(instruments);
  std::vector<InboundEvent> out;
  std::string frame =
      R"({"data":[{"TOKEN_ID":3375,"DATE":"2025-04-10","TRADING_SIGNAL":1}],"success":false})";
  frame.reserve(frame.size() + simdjson::SIMDJSON_PADDING);
  EXPECT_FALSE(parser.parse(frame, 1, out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

std::string token_metrics_fixture(const std::string& name) {
  std::ifstream in(std::string(SIGEX_SOURCE_DIR) + "/tests/data/token_metrics/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<InboundEvent> parse_fixture(TokenMetricsParser& parser, const std::string& name,
                                        TimeNs receive_ns) {
  std::string body = token_metrics_fixture(name);
  const std::size_t size = body.size();
  body.append(simdjson::SIMDJSON_PADDING, '\0');
  std::vector<InboundEvent> out;
  const auto parsed = parser.parse(std::string_view(body.data(), size), receive_ns, out);
  EXPECT_TRUE(parsed) << name;
  return out;
}

TEST(TokenMetricsFixtures, CapturedDailySignal) {
  const InstrumentRegistry instruments = two_instruments();
  TokenMetricsParser parser(instruments);
  const auto out = parse_fixture(parser, "trading_signals_captured.json", 1);
  ASSERT_EQ(out.size(), 2u);  // the grade, then the signal of the same row
  EXPECT_EQ(out[0].kind, MarketEventKind::kGrade);
  EXPECT_EQ(out[0].grade.hundredths, 2648);
  EXPECT_EQ(out[1].trading_signal.signal, 0);
  EXPECT_EQ(out[1].trading_signal.trend, -1);
  EXPECT_EQ(format_utc_timestamp(out[1].trading_signal.venue_time_ns), "2025-04-10T00:00:00.000Z");
}

TEST(TokenMetricsFixtures, HourlyRowsComeOutOldestFirst) {
  const InstrumentRegistry instruments = two_instruments();
  TokenMetricsParser parser(instruments);
  const auto out = parse_fixture(parser, "hourly_trading_signals.json", 1);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(format_utc_timestamp(out[0].trading_signal.venue_time_ns), "2025-09-01T12:00:00.000Z");
  EXPECT_EQ(out[0].trading_signal.signal, 1);
  EXPECT_EQ(out[0].trading_signal.timeframe, SignalTimeframe::kHourly);
  EXPECT_EQ(format_utc_timestamp(out[1].trading_signal.venue_time_ns), "2025-09-01T13:00:00.000Z");
}

TEST(TokenMetricsFixtures, UndatedLatestGradeIsDatedToTheDayOfReceipt) {
  const InstrumentRegistry instruments = two_instruments();
  TokenMetricsParser parser(instruments);
  const TimeNs received = parse_utc_timestamp("2025-09-02T13:37:00").value();
  const auto out = parse_fixture(parser, "tm_grade_latest.json", received);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].grade.kind, GradeKind::kTmGrade);
  EXPECT_EQ(out[0].grade.hundredths, 7125);  // a numeric string
  EXPECT_EQ(format_utc_timestamp(out[0].grade.venue_time_ns), "2025-09-02T00:00:00.000Z");
}

TEST(TokenMetricsFixtures, LegacyTraderGradesWithRealValues) {
  const InstrumentRegistry instruments = two_instruments();
  TokenMetricsParser parser(instruments);
  const auto out = parse_fixture(parser, "trader_grades_v1_values.json", 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].grade.kind, GradeKind::kTraderGrade);
  EXPECT_EQ(out[0].grade.hundredths, 8793);
}

TEST(TokenMetricsFixtures, PageReaderChecksTheEnvelope) {
  TmPageReader dom;
  const auto tokens = dom.read(token_metrics_fixture("tokens.json"), true);
  ASSERT_TRUE(tokens);
  EXPECT_TRUE(tokens->success);
  ASSERT_EQ(tokens->item_list.size(), 2u);
  EXPECT_EQ(tokens->item_list[1].token_id, 3306);
  // Items are kept byte for byte (numbers are not re-printed).
  const std::string captured = token_metrics_fixture("trading_signals_captured.json");
  const auto page = dom.read(captured, true);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->item_list.size(), 1u);
  const auto begin = captured.find("[{") + 1;
  EXPECT_EQ(page->item_list[0].json, captured.substr(begin, captured.rfind("}]") + 1 - begin));
  const auto refused = dom.read(token_metrics_fixture("success_false.json"), false);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->success);
  EXPECT_EQ(refused->message, "Invalid parameters");
  const std::string body = token_metrics_fixture("hourly_trading_signals.json");
  EXPECT_FALSE(dom.read(body.substr(0, body.size() / 2), false));  // truncated
  EXPECT_FALSE(dom.read(R"({"success":true,"data":{}})", false));  // data not an array
  EXPECT_FALSE(dom.read(R"({"success":"yes","data":[]})", false));
  EXPECT_FALSE(dom.read(R"({"data":[]})", false));
  const auto hourly = dom.read(body, false);
  ASSERT_TRUE(hourly);
  EXPECT_EQ(format_utc_timestamp(hourly->oldest_time_ns), "2025-09-01T12:00:00.000Z");
}

TEST(TokenMetricsFixtures, RecognisesEnvelopesWithWhitespace) {
  EXPECT_TRUE(TokenMetricsParser::recognises(R"({"success":true})"));
  EXPECT_TRUE(TokenMetricsParser::recognises("{ \n \"success\": true}"));
  EXPECT_FALSE(TokenMetricsParser::recognises(R"({"stream":"x"})"));
}

}  // namespace
}  // namespace sigex
