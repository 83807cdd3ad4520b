#include "tools/feed_simulator/tls_proxy.h"

#include "tools/sim_http/loopback_listener.h"

#include <array>
#include <cstdio>
#include <thread>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>

namespace sigex {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// One client: TLS on one side, plain TCP to the target on the other, bytes copied both ways.
class Tunnel : public std::enable_shared_from_this<Tunnel> {
 public:
  Tunnel(tcp::socket client, asio::ssl::context& tls, std::uint16_t target_port)
      : tls_(std::move(client), tls), target_(tls_.get_executor()), target_port_(target_port) {}

  void start() {
    tls_.async_handshake(
        asio::ssl::stream_base::server, [self = shared_from_this()](error_code error) {
          if (error) return;
          self->target_.async_connect(
              tcp::endpoint(asio::ip::make_address("127.0.0.1"), self->target_port_),
              [self](error_code connect_error) {
                if (connect_error) return self->close();
                self->pump_from_client();
                self->pump_from_target();
              });
        });
  }

 private:
  void pump_from_client() {
    tls_.async_read_some(
        asio::buffer(from_client_), [self = shared_from_this()](error_code error, std::size_t n) {
          if (error) return self->close();
          asio::async_write(self->target_, asio::buffer(self->from_client_.data(), n),
                            [self](error_code write_error, std::size_t) {
                              if (write_error) return self->close();
                              self->pump_from_client();
                            });
        });
  }

  void pump_from_target() {
    target_.async_read_some(
        asio::buffer(from_target_), [self = shared_from_this()](error_code error, std::size_t n) {
          if (error) return self->close();
          asio::async_write(self->tls_, asio::buffer(self->from_target_.data(), n),
                            [self](error_code write_error, std::size_t) {
                              if (write_error) return self->close();
                              self->pump_from_target();
                            });
        });
  }

  void close() {
    error_code ignored;
    tls_.lowest_layer().close(ignored);
    target_.close(ignored);
  }

  asio::ssl::stream<tcp::socket> tls_;
  tcp::socket target_;
  std::uint16_t target_port_;
  std::array<char, 64UL * 1024> from_client_{};
  std::array<char, 64UL * 1024> from_target_{};
};

}  // namespace

bool make_certificate(std::string& certificate_pem, std::string& key_pem, std::string& error) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  bool ok = key != nullptr && certificate != nullptr;
  if (ok) {
    X509_set_version(certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate), -60);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 24L * 3600);
    X509_set_pubkey(certificate, key);
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(certificate, name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
      ok = ok && extension != nullptr && X509_add_ext(certificate, extension, -1) == 1;
      X509_EXTENSION_free(extension);
    }
    ok = ok && X509_sign(certificate, key, EVP_sha256()) > 0;
  }
  if (ok) {
    BIO* certificate_bio = BIO_new(BIO_s_mem());
    BIO* key_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(certificate_bio, certificate);
    PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long size = BIO_get_mem_data(certificate_bio, &data);
    certificate_pem.assign(data, static_cast<std::size_t>(size));
    size = BIO_get_mem_data(key_bio, &data);
    key_pem.assign(data, static_cast<std::size_t>(size));
    BIO_free(certificate_bio);
    BIO_free(key_bio);
  } else {
    error = "cannot generate a test certificate";
  }
  X509_free(certificate);
  EVP_PKEY_free(key);
  return ok;
}

class TlsProxy::Impl {
 public:
  explicit Impl(std::uint16_t target_port)
      : target_port_(target_port), tls_(asio::ssl::context::tls_server) {}

  bool start(const std::string& ca_file, std::string& error) {
    std::string certificate, key;
    if (!make_certificate(certificate, key, error)) return false;
    std::FILE* file = std::fopen(ca_file.c_str(), "w");
    if (file == nullptr) {
      error = "cannot write " + ca_file;
      return false;
    }
    std::fputs(certificate.c_str(), file);
    std::fclose(file);
    error_code ec;
    tls_.use_certificate_chain(asio::buffer(certificate), ec);
    if (!ec) tls_.use_private_key(asio::buffer(key), asio::ssl::context::pem, ec);
    if (ec) {
      error = "TLS proxy: " + ec.message();
      return false;
    }
    return listener_.start(
        0, /*reuse_address=*/false, "TLS proxy", [this] { accept(); }, error);
  }

  void stop() { listener_.stop(); }

  std::uint16_t port() const { return listener_.port(); }

 private:
  void accept() {
    listener_.acceptor().async_accept([this](error_code error, tcp::socket socket) {
      if (error) return;
      std::make_shared<Tunnel>(std::move(socket), tls_, target_port_)->start();
      accept();
    });
  }

  std::uint16_t target_port_;
  asio::io_context io_;
  asio::ssl::context tls_;
  LoopbackListener listener_;
};

TlsProxy::TlsProxy(std::uint16_t target_port) : impl_(std::make_unique<Impl>(target_port)) {}
TlsProxy::~TlsProxy() { impl_->stop(); }
bool TlsProxy::start(const std::string& ca_file, std::string& error) {
  return impl_->start(ca_file, error);
}
void TlsProxy::stop() { impl_->stop(); }
std::uint16_t TlsProxy::port() const { return impl_->port(); }

}  // namespace sigex
