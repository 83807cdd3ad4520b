#pragma once

// Which Binance market an adapter speaks to, and the REST paths and request weights that
// differ between them (spot: ../shared/reference/exchange-apis.md; USD-M perpetuals:
// ../shared/reference/binance-usdm-futures.md §3). Everything else (signing, rate-limit
// headers, the error envelope) is the same.

#include <cstdint>

namespace sigex {

// Binance names the spot pair and the USD-M perpetual alike (BTCUSDT): the market tells them
// apart.
enum class BinanceMarket : std::uint8_t { kSpot, kUsdm };

struct BinanceEndpoint {
  const char* path;
  std::int64_t weight;
};

struct BinanceEndpoints {
  BinanceEndpoint time, exchange_info, order, query_order, open_orders, my_trades, all_orders,
      ticker_price, depth;
};

constexpr BinanceEndpoints kSpotEndpoints{
    {"/api/v3/time", 1},       {"/api/v3/exchangeInfo", 20}, {"/api/v3/order", 1},
    {"/api/v3/order", 4},      {"/api/v3/openOrders", 6},    {"/api/v3/myTrades", 20},
    {"/api/v3/allOrders", 20}, {"/api/v3/ticker/price", 2},  {"/api/v3/depth", 50}};

constexpr BinanceEndpoints kUsdmEndpoints{
    {"/fapi/v1/time", 1},      {"/fapi/v1/exchangeInfo", 1}, {"/fapi/v1/order", 1},
    {"/fapi/v1/order", 1},     {"/fapi/v1/openOrders", 1},   {"/fapi/v1/userTrades", 5},
    {"/fapi/v1/allOrders", 5}, {"/fapi/v1/ticker/price", 1}, {"/fapi/v1/depth", 20}};

// The production REST base URL of a market.
constexpr const char* binance_rest_url(BinanceMarket market) {
  return market == BinanceMarket::kUsdm ? "https://fapi.binance.com" : "https://api.binance.com";
}

constexpr const BinanceEndpoints& binance_endpoints(BinanceMarket market) {
  return market == BinanceMarket::kUsdm ? kUsdmEndpoints : kSpotEndpoints;
}

}  // namespace sigex
