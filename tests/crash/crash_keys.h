#pragma once

// The CDP key the crash driver signs its Coinbase requests with (made for these tests only)
// and its public half, which the test's Coinbase simulator accepts.

namespace sigex {

inline constexpr const char* kCrashDriverKeyName = "organizations/crash-test/apiKeys/driver";
inline constexpr const char* kCrashDriverPrivateKey =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIC4Bl1yvQ7K+S8zjNmJjQsswvZNZ6HsEckCGQ2hKldfIoAoGCCqGSM49\n"
    "AwEHoUQDQgAEcx7wFCU+f88iWr30MMkL9ocKMU0q+p73+mV2SUurTd6GBwuXnYtZ\n"
    "LkdaKsv4MqXoA9j1XF4UktJBO1CpGKJK5w==\n"
    "-----END EC PRIVATE KEY-----\n";
inline constexpr const char* kCrashDriverPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEcx7wFCU+f88iWr30MMkL9ocKMU0q\n"
    "+p73+mV2SUurTd6GBwuXnYtZLkdaKsv4MqXoA9j1XF4UktJBO1CpGKJK5w==\n"
    "-----END PUBLIC KEY-----\n";

}  // namespace sigex
