// libFuzzer target for what `sigex fetch-market-data` reads from the network and what a
// backtest maps from disk: the archive's S3 listing pages, `.CHECKSUM` lines, zip files, and
// `.sigexbin` recorded files. The first byte picks the reader; none may crash, hang or read
// out of bounds, whatever the rest holds.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "adapters/binance_archive/archive_layout.h"
#include "adapters/binance_archive/zip_csv.h"
#include "adapters/recorded/binary_records.h"

namespace {

const sigex::InstrumentRegistry& instruments() {
  static const sigex::InstrumentRegistry registry = [] {
    sigex::InstrumentRegistry made;
    sigex::Instrument btc;
    btc.symbol = sigex::Symbol::from("BTCUSDT");
    btc.price_scale = 2;
    btc.quantity_scale = 5;
    made.add(btc);
    sigex::Instrument perpetual = btc;
    perpetual.kind = sigex::InstrumentKind::kPerpetual;
    made.add(perpetual);
    return made;
  }();
  return registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string error;
  switch (data[0] % 4) {
    case 0: {
      sigex::ListingPage page;
      sigex::parse_listing_page(input, page, error);
      break;
    }
    case 1: {
      std::string sha;
      sigex::parse_checksum(input, "BTCUSDT-1m-2024-01-01.zip", sha, error);
      break;
    }
    case 2: {
      std::string name, content;
      sigex::read_single_file_zip(input, name, content, error);
      break;
    }
    case 3: {
      const std::string path =
          "/tmp/sigex-archive-fuzz-" + std::to_string(::getpid()) + ".sigexbin";
      std::ofstream(path, std::ios::binary | std::ios::trunc)
          .write(input.data(), static_cast<std::streamsize>(input.size()));
      sigex::BinaryRecordsReader reader(path, instruments());
      if (reader.open()) {
        std::vector<sigex::InboundEvent> events;
        bool unknown = false;
        std::string problem;
        while (!reader.at_end()) {
          (void)reader.next_time();
          reader.take(events, unknown, problem);
        }
      }
      std::remove(path.c_str());
      break;
    }
  }
  return 0;
}
