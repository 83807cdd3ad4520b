// Decimal parsing: venue price/quantity strings to fixed point.
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>

#include "engine/core/decimal.h"

namespace {

constexpr std::array<std::string_view, 8> kInputs = {
    "61837.63000000", "0.00012000",      "3.78826000",  "2683.80000000",
    "0.35280000",     "100000.00000000", "58.00000000", "1.54698000"};

void BM_ParseDecimal(benchmark::State& state) {
  std::size_t index = 0;
  for (auto _ : state) {
    auto value = sigex::parse_decimal(kInputs[index++ & 7], 8);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseDecimal);

// The same inputs through the general parser alone (one character at a time): what the
// eight-decimal fast path of parse_decimal saves, measured in the same run.
void BM_ParseDecimalGeneral(benchmark::State& state) {
  std::size_t index = 0;
  for (auto _ : state) {
    auto value = sigex::parse_decimal_general(kInputs[index++ & 7], 8);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseDecimalGeneral);

void BM_ParseDecimalRejectTooPrecise(benchmark::State& state) {
  for (auto _ : state) {
    auto value = sigex::parse_decimal("61837.635", 2);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseDecimalRejectTooPrecise);

}  // namespace
