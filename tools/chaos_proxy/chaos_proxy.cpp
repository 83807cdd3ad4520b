#include "tools/chaos_proxy/chaos_proxy.h"

#include "tools/sim_http/loopback_listener.h"

#include <array>
#include <chrono>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace sigex {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// What happens to one chunk: when it may leave, and how much of it leaves before a reset.
struct Fate {
  Clock::time_point due;
  bool cut = false;
  std::size_t cut_after = 0;
};

}  // namespace

class ChaosProxy::Impl {
 public:
  Impl(ChaosProxy& owner, std::uint16_t target_port, std::uint32_t seed)
      : owner_(owner), target_port_(target_port), random_(seed) {}

  bool start(std::string& error) {
    return listener_.start(
        0, /*reuse_address=*/false, "chaos proxy", [this] { accept(); }, error);
  }

  void stop() { listener_.stop(); }

  std::uint16_t port() const { return listener_.port(); }

  void set_chaos(const NetworkChaos& chaos) {
    const std::lock_guard lock(chaos_mutex_);
    chaos_ = chaos;
  }

  // The io thread: the fate of a chunk of `size` bytes read now, which may not leave before
  // `after` (the chunk before it in the same direction).
  Fate fate(std::size_t size, Clock::time_point after) {
    NetworkChaos chaos;
    {
      const std::lock_guard lock(chaos_mutex_);
      chaos = chaos_;
    }
    std::int64_t delay_us = chaos.latency_us;
    if (chaos.jitter_us > 0)
      delay_us +=
          std::uniform_int_distribution<std::int64_t>(-chaos.jitter_us, chaos.jitter_us)(random_);
    if (chaos.stall_per_mille > 0 && per_mille() < chaos.stall_per_mille) {
      delay_us += chaos.stall_us;
      ++owner_.stalls_;
    }
    Fate fate;
    fate.due = std::max(
        after, Clock::now() + std::chrono::microseconds(std::max<std::int64_t>(delay_us, 0)));
    if (chaos.cut_per_mille > 0 && per_mille() < chaos.cut_per_mille) {
      fate.cut = true;
      fate.cut_after = std::uniform_int_distribution<std::size_t>(0, size)(random_);
    }
    return fate;
  }

  void count_cut() { ++owner_.cuts_; }

 private:
  std::uint32_t per_mille() {
    return std::uniform_int_distribution<std::uint32_t>(0, 999)(random_);
  }

  void accept();

  ChaosProxy& owner_;
  std::uint16_t target_port_;
  std::mt19937 random_;
  std::mutex chaos_mutex_;
  NetworkChaos chaos_;
  LoopbackListener listener_;
};

namespace {

// One relayed connection: bytes read on one side leave on the other when their fate says.
class Link : public std::enable_shared_from_this<Link> {
 public:
  Link(tcp::socket client, ChaosProxy::Impl& proxy)
      : proxy_(proxy),
        client_(std::move(client)),
        target_(client_.get_executor()),
        to_target_(client_.get_executor()),
        to_client_(client_.get_executor()) {}

  void start(std::uint16_t target_port) {
    target_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), target_port),
                          [self = shared_from_this()](error_code error) {
                            if (error) return self->reset();
                            self->read(self->client_, self->to_target_, self->target_);
                            self->read(self->target_, self->to_client_, self->client_);
                          });
  }

 private:
  struct Chunk {
    std::string bytes;
    Fate fate;
  };
  // One direction: what was read and waits to be written, in order.
  struct Direction {
    explicit Direction(const asio::any_io_executor& executor) : timer(executor) {}
    std::array<char, 16UL * 1024> buffer{};
    std::deque<Chunk> pending;
    asio::steady_timer timer;
    bool writing = false;
  };

  void read(tcp::socket& from, Direction& direction, tcp::socket& to) {
    from.async_read_some(
        asio::buffer(direction.buffer),
        [self = shared_from_this(), &from, &direction, &to](error_code error, std::size_t n) {
          if (self->closed_) return;
          if (error) {
            // The peer closed: what was read still goes out, then the other side is shut.
            direction.pending.push_back({std::string(), Fate{self->last_due(direction), false, 0}});
            if (!direction.writing) self->write(direction, to);
            return;
          }
          const Fate fate = self->proxy_.fate(n, self->last_due(direction));
          direction.pending.push_back({std::string(direction.buffer.data(), n), fate});
          if (!direction.writing) self->write(direction, to);
          self->read(from, direction, to);
        });
  }

  static Clock::time_point last_due(const Direction& direction) {
    return direction.pending.empty() ? Clock::time_point{} : direction.pending.back().fate.due;
  }

  void write(Direction& direction, tcp::socket& to) {
    if (closed_ || direction.pending.empty()) {
      direction.writing = false;
      return;
    }
    direction.writing = true;
    direction.timer.expires_at(direction.pending.front().fate.due);
    direction.timer.async_wait([self = shared_from_this(), &direction, &to](error_code) {
      if (self->closed_) return;
      Chunk& chunk = direction.pending.front();
      if (chunk.bytes.empty() && !chunk.fate.cut) {  // end of stream
        error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        direction.pending.clear();
        direction.writing = false;
        return;
      }
      const std::size_t size = chunk.fate.cut ? chunk.fate.cut_after : chunk.bytes.size();
      asio::async_write(to, asio::buffer(chunk.bytes.data(), size),
                        [self, &direction, &to](error_code error, std::size_t) {
                          if (self->closed_) return;
                          const bool cut = direction.pending.front().fate.cut;
                          if (error || cut) {
                            if (cut) self->proxy_.count_cut();
                            return self->reset();
                          }
                          direction.pending.pop_front();
                          self->write(direction, to);
                        });
    });
  }

  // Both sides reset at once (RST, not FIN), as a broken network or a dying peer leaves them.
  void reset() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    for (tcp::socket* socket : {&client_, &target_}) {
      socket->set_option(asio::socket_base::linger(true, 0), ignored);
      socket->close(ignored);
    }
    to_target_.timer.cancel();
    to_client_.timer.cancel();
  }

  ChaosProxy::Impl& proxy_;
  tcp::socket client_;
  tcp::socket target_;
  Direction to_target_;
  Direction to_client_;
  bool closed_ = false;
};

}  // namespace

void ChaosProxy::Impl::accept() {
  listener_.acceptor().async_accept([this](error_code error, tcp::socket socket) {
    if (error) return;
    ++owner_.connections_;
    std::make_shared<Link>(std::move(socket), *this)->start(target_port_);
    accept();
  });
}

ChaosProxy::ChaosProxy(std::uint16_t target_port, std::uint32_t seed)
    : impl_(std::make_unique<Impl>(*this, target_port, seed)) {}
ChaosProxy::~ChaosProxy() { impl_->stop(); }
bool ChaosProxy::start(std::string& error) { return impl_->start(error); }
void ChaosProxy::stop() { impl_->stop(); }
std::uint16_t ChaosProxy::port() const { return impl_->port(); }
void ChaosProxy::set_chaos(const NetworkChaos& chaos) { impl_->set_chaos(chaos); }

}  // namespace sigex
