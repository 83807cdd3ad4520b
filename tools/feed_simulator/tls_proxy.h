#pragma once

// A loopback TLS terminator for tests: accepts TLS on 127.0.0.1 with a freshly generated
// self-signed certificate (subjectAltName IP:127.0.0.1) and forwards the bytes to a plain TCP
// port, e.g. the feed simulator. Lets tests drive the clients' wss:// and https:// paths,
// including certificate and host name verification, without any network.

#include <cstdint>
#include <memory>
#include <string>

namespace sigex {

// A self-signed P-256 certificate for IP 127.0.0.1 (subjectAltName), valid for a day, and its
// private key, both PEM: for tests of TLS servers (the webhook) and clients.
bool make_certificate(std::string& certificate_pem, std::string& key_pem, std::string& error);

class TlsProxy {
 public:
  explicit TlsProxy(std::uint16_t target_port);
  ~TlsProxy();

  // Generates the key and certificate, writes the certificate (PEM) to `ca_file` so that a
  // client can trust it, and starts listening. False with the reason otherwise.
  bool start(const std::string& ca_file, std::string& error);
  void stop();
  std::uint16_t port() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
