#pragma once

// CDP keys for the Coinbase tests, benchmarks and crash tests (made for them only): an
// Ed25519 key (RFC 8032 §7.1 test 1, as CDP hands it out: base64 of seed ‖ public key) and an
// EC P-256 key (SEC 1 PEM) with its public half, which the simulators are told to accept.

namespace sigex::testing {

inline constexpr const char* kCdpKeyName = "organizations/sigex-tests/apiKeys/test-key";
inline constexpr const char* kCdpEd25519Secret =
    "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
inline constexpr const char* kCdpEcPem =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIC4Bl1yvQ7K+S8zjNmJjQsswvZNZ6HsEckCGQ2hKldfIoAoGCCqGSM49\n"
    "AwEHoUQDQgAEcx7wFCU+f88iWr30MMkL9ocKMU0q+p73+mV2SUurTd6GBwuXnYtZ\n"
    "LkdaKsv4MqXoA9j1XF4UktJBO1CpGKJK5w==\n"
    "-----END EC PRIVATE KEY-----\n";
inline constexpr const char* kCdpEcPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEcx7wFCU+f88iWr30MMkL9ocKMU0q\n"
    "+p73+mV2SUurTd6GBwuXnYtZLkdaKsv4MqXoA9j1XF4UktJBO1CpGKJK5w==\n"
    "-----END PUBLIC KEY-----\n";

}  // namespace sigex::testing
