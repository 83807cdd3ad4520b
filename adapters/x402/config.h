#pragma once

// Pay-per-call access to an API over x402 ([token_metrics.x402]): which payments sigex may
// sign, and how much it may spend. The wallet key is never part of the configuration: only
// where to find it. Amounts are atomic units of the asset (USDC: 6 decimals; "0.05" USDC is
// 50000).

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/secret.h"

namespace sigex {

inline constexpr int kUsdcDecimals = 6;

struct X402Config {
  std::string network = "base";  // the only network whose requirements are signed
  // The asset's contract: USDC on Base. Requirements naming another asset are refused.
  std::string asset = "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913";
  std::vector<std::string> pay_to;           // allow-list of receiving addresses (required)
  std::string payment_token = "usdc";        // x-payment-token header: "usdc" or "tmai"
  std::int64_t max_price = 50'000;           // per call (0.05 USDC)
  std::int64_t daily_budget = 5'000'000;     // per UTC day (5 USDC)
  std::int64_t monthly_budget = 50'000'000;  // per UTC month (50 USDC)
  SecretSource wallet_key{"sigex-x402-wallet-key", "", "SIGEX_X402_WALLET_KEY",
                          "x402 wallet private key"};
};

}  // namespace sigex
