#include "adapters/net/url.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(Url, ParsesTheEndpointsSigexUses) {
  const Url ws = parse_url("wss://stream.binance.com:9443/stream").value();
  EXPECT_TRUE(ws.tls);
  EXPECT_EQ(ws.host, "stream.binance.com");
  EXPECT_EQ(ws.port, "9443");
  EXPECT_EQ(ws.target, "/stream");
  const Url rest = parse_url("https://api.binance.com").value();
  EXPECT_EQ(rest.port, "443");
  EXPECT_EQ(rest.target, "/");
  const Url loopback = parse_url("ws://127.0.0.1:18080/stream?x=1").value();
  EXPECT_FALSE(loopback.tls);
  EXPECT_EQ(loopback.target, "/stream?x=1");
  EXPECT_EQ(parse_url("http://localhost").value().port, "80");
}

TEST(Url, RejectsWhatItCannotConnectTo) {
  for (const char* text : {"stream.binance.com", "ftp://host", "wss://", "wss://:9443/x",
                           "ws://host:0/", "ws://host:70000/", "ws://host:12a/"}) {
    EXPECT_FALSE(parse_url(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace sigex
