#pragma once

// `sigex signal send`: signs one signal with the webhook's secret and posts it to the daemon's
// [signals.webhook] endpoint: the client for scripts (the README shows the same request with
// curl and openssl). Exit 0 when accepted, 1 when refused (the daemon's JSON answer on
// stderr), 2 for a usage or configuration error, 3 when the endpoint cannot be reached.

#include <string>

#include "engine/exe/app_config.h"

namespace sigex {

struct SignalSendOptions {
  std::string token;       // token symbol, token id or instrument symbol
  int signal = 0;          // 1, -1, 0
  std::string grade;       // "" : none; else 0..100, two decimals at most
  std::string grade_kind;  // "" (trader), "trader", "tm", "investor"
  std::string timeframe;   // "" (daily), "daily", "hourly"
  std::string time;        // "" : the request's time; else an ISO-8601 UTC date or time
  std::string url;         // "" : from [signals.webhook] listen
  std::string ca_file;     // "" : [signals.webhook] tls_certificate_file (a self-signed one)
};

int run_signal_send(const AppConfig& config, const SignalSendOptions& options);

}  // namespace sigex
