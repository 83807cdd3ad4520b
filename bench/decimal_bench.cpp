// Decimal parsing: venue price/quantity strings to fixed point.
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>

#include "engine/core/decimal.h"

namespace {

constexpr std::array<std::string_view, 8> kInputs = {
    "61837.63000000", "0.00012000",      "3.78826000",  "2683.80000000",
    "0.35280000",     "100000.00000000", "58.00000000", "1.54698000"};

// The eight venue strings, one after another, through `parse`.
template <sigex::Result<std::int64_t> (*parse)(std::string_view, int)>
void parse_inputs(benchmark::State& state) {
  std::size_t index = 0;
  for (auto _ : state) {
    auto value = parse(kInputs[index++ & 7], 8);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseDecimal(benchmark::State& state) { parse_inputs<sigex::parse_decimal>(state); }
BENCHMARK(BM_ParseDecimal);

// The same inputs through the general parser alone (one character at a time): what the
// eight-decimal fast path of parse_decimal saves, measured in the same run.
void BM_ParseDecimalGeneral(benchmark::State& state) {
  parse_inputs<sigex::parse_decimal_general>(state);
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
