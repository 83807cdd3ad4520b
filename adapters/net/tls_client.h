#pragma once

// Client-side TLS set-up shared by the websocket and HTTP clients: SNI for `host`, peer
// verification against the system trust store, and host name verification.

#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/ssl/verify_mode.hpp>
#include <boost/system/error_code.hpp>

namespace sigex {

// `stream` is a Beast or Asio SSL stream; returns an error when SNI cannot be set.
template <typename SslStream>
boost::system::error_code prepare_tls_client(SslStream& stream, const std::string& host) {
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    return {static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category()};
  }
  stream.set_verify_mode(boost::asio::ssl::verify_peer);
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return {};
}

// Trusts the CA certificates of `ca_file` too (a test terminator, a corporate proxy); an empty
// name adds nothing. False with `error` naming `key` and the file when it cannot be loaded.
inline bool add_trusted_ca(boost::asio::ssl::context& tls, const std::string& ca_file,
                           const std::string& key, std::string& error) {
  if (ca_file.empty()) return true;
  boost::system::error_code failure;
  tls.load_verify_file(ca_file, failure);
  if (!failure) return true;
  error = key + " '" + ca_file + "' cannot be loaded: " + failure.message();
  return false;
}

}  // namespace sigex
