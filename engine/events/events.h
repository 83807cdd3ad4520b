#pragma once

// Plain records that cross thread boundaries. Every record is trivially copyable, holds no
// owning pointer, and carries the venue's event time and our receive time in ns.

#include <cstdint>
#include <type_traits>

#include "engine/core/fixed_string.h"
#include "engine/core/instrument.h"
#include "engine/core/money.h"
#include "engine/core/time.h"

namespace sigex {

enum class Side : std::uint8_t { kBuy, kSell };
enum class AggressorSide : std::uint8_t { kUnknown, kBuyer, kSeller };

struct BestBidOffer {
  InstrumentId instrument;
  TimeNs venue_time_ns;  // 0 when the venue sends none (Binance spot bookTicker)
  TimeNs receive_time_ns;
  Price bid_price;
  Quantity bid_quantity;
  Price ask_price;
  Quantity ask_quantity;
  std::uint64_t update_id;
};

struct TradeTick {
  InstrumentId instrument;
  AggressorSide aggressor;
  TimeNs venue_time_ns;
  TimeNs receive_time_ns;
  Price price;
  Quantity quantity;
  std::uint64_t trade_id;
};

// One price level of a depth update or snapshot. A venue message with n levels becomes n
// records sharing update ids; kFirstInMessage and kLastInMessage mark its ends. A message with
// no levels still becomes one record, flagged kEmpty, so that its update ids are seen.
struct DepthLevel {
  enum Flags : std::uint8_t { kSnapshot = 1, kLastInMessage = 2, kFirstInMessage = 4, kEmpty = 8 };
  InstrumentId instrument;
  Side side;
  std::uint8_t flags;
  TimeNs venue_time_ns;
  TimeNs receive_time_ns;
  Price price;
  Quantity quantity;  // 0 removes the level
  std::uint64_t first_update_id;
  std::uint64_t last_update_id;
  // USD-M depth streams: the previous message's last id (`pu`), which continuity is checked
  // against (their ids are one sequence shared by all symbols); 0 on spot streams.
  std::uint64_t previous_update_id;
};

struct Bar {
  InstrumentId instrument;
  bool closed;
  TimeNs venue_time_ns;  // event time
  TimeNs receive_time_ns;
  TimeNs open_time_ns;
  TimeNs close_time_ns;
  Price open;
  Price high;
  Price low;
  Price close;
  Quantity volume;
};

enum class SignalTimeframe : std::uint8_t { kDaily, kHourly };

// A Token Metrics trading signal: 1 bullish, -1 bearish, 0 no new signal.
struct TradingSignal {
  InstrumentId instrument;
  SignalTimeframe timeframe;
  std::int8_t signal;
  std::int8_t trend;  // TOKEN_TREND / POSITION: the current trend, 0 when unknown
  TokenId token_id;
  TimeNs venue_time_ns;  // DATE / TIMESTAMP of the signal
  TimeNs receive_time_ns;
};

enum class GradeKind : std::uint8_t { kTraderGrade, kTmGrade, kInvestorGrade };

// Grades are 0..100 with two decimals, held as hundredths (8793 = 87.93).
struct Grade {
  InstrumentId instrument;
  GradeKind kind;
  std::int32_t hundredths;
  TokenId token_id;
  TimeNs venue_time_ns;
  TimeNs receive_time_ns;
};

enum class FeedResetReason : std::uint8_t {
  kSubscribed,      // a (re)connection: books must be rebuilt from a new snapshot
  kRecordsDropped,  // the inbound queue was full and records of this instrument were dropped
  kSequenceGap,  // the venue's message sequence jumped (Coinbase): the book may have lost updates
};

// From a market data feed: the instrument's depth stream restarts, so its book is invalid
// until a new snapshot arrives.
struct MarketDataReset {
  InstrumentId instrument;
  FeedResetReason reason;
  TimeNs receive_time_ns;
};

// A perpetual's mark price (Binance markPriceUpdate): what unrealised PnL, margin, funding and
// liquidation are computed at, with the rate the next funding settlement is expected to use.
struct MarkPrice {
  InstrumentId instrument;
  TimeNs venue_time_ns;
  TimeNs receive_time_ns;
  Price mark_price;
  Rate funding_rate;            // estimated rate of the next settlement
  TimeNs next_funding_time_ns;  // 0: unknown
};

// A funding settlement as published (Binance GET /fapi/v1/fundingRate rows): at
// funding_time_ns positions open pay or receive |quantity| × mark × rate.
struct FundingRate {
  InstrumentId instrument;
  TimeNs funding_time_ns;
  TimeNs receive_time_ns;
  Rate rate;
  Price mark_price;  // 0 when the row has none: the venue uses its latest mark or price
};

enum class MarketEventKind : std::uint8_t {
  kBestBidOffer,
  kTrade,
  kDepthLevel,
  kBar,
  kTradingSignal,
  kGrade,
  kMarketDataReset,
  kMarkPrice,
  kFundingRate,
};

// What an I/O thread hands to the core. A tagged union keeps the queue element fixed-size.
struct InboundEvent {
  InboundEvent() : kind(MarketEventKind::kBestBidOffer), best_bid_offer{} {}

  MarketEventKind kind;
  union {
    BestBidOffer best_bid_offer;
    TradeTick trade;
    DepthLevel depth;
    Bar bar;
    TradingSignal trading_signal;
    Grade grade;
    MarketDataReset reset;
    MarkPrice mark_price;
    FundingRate funding_rate;
  };
  TimeNs receive_time_ns() const;
};

static_assert(std::is_trivially_copyable_v<BestBidOffer> && sizeof(BestBidOffer) <= 64);
static_assert(std::is_trivially_copyable_v<TradeTick> && sizeof(TradeTick) <= 64);
static_assert(std::is_trivially_copyable_v<DepthLevel> && sizeof(DepthLevel) <= 64);
static_assert(std::is_trivially_copyable_v<Bar> && sizeof(Bar) <= 88);
static_assert(std::is_trivially_copyable_v<TradingSignal> && sizeof(TradingSignal) <= 32);
static_assert(std::is_trivially_copyable_v<Grade> && sizeof(Grade) <= 32);
static_assert(std::is_trivially_copyable_v<MarketDataReset>);
static_assert(std::is_trivially_copyable_v<MarkPrice> && sizeof(MarkPrice) <= 64);
static_assert(std::is_trivially_copyable_v<FundingRate> && sizeof(FundingRate) <= 64);
static_assert(std::is_trivially_copyable_v<InboundEvent> && sizeof(InboundEvent) <= 96);

// ---- Orders -------------------------------------------------------------------------------

// Engine-minted client order id: ^[a-zA-Z0-9-_]{1,36}$ (Binance's rule).
using ClientOrderId = FixedString<36>;
using VenueOrderId = std::uint64_t;

enum class OrderType : std::uint8_t { kLimit, kMarket };
enum class TimeInForce : std::uint8_t { kGoodTillCancel, kImmediateOrCancel };
enum class Liquidity : std::uint8_t { kMaker, kTaker };

// kQuery asks the venue what it knows about an order (by client order id): the answer comes
// back as the events that bring the OMS up to date, or kNotFound.
enum class OrderCommandKind : std::uint8_t { kNew, kCancel, kQuery };

// OMS -> venue.
struct OrderCommand {
  OrderCommandKind kind;
  Side side;
  OrderType type;
  TimeInForce time_in_force;
  InstrumentId instrument;
  ClientOrderId client_order_id;
  Price price;  // limit price; 0 for market orders
  Quantity quantity;
  TimeNs created_time_ns;
  // New orders: the journal number of their intent. A venue must not put the order on the
  // wire before the journal's DurabilityWatermark reaches it (0: already durable).
  std::uint64_t journal_sequence;
  // Queries: prove absence from every source the venue has (order history, trades, balances
  // since `created_time_ns` of the order), not only the order lookup.
  bool prove_absence;
  // New orders on perpetuals: may only shrink the position (Binance reduceOnly).
  bool reduce_only;
};

enum class ExecutionKind : std::uint8_t {
  kAccepted,  // the venue has the order
  kRejected,  // definite evidence from the venue that it does not
  kUnknown,   // timeout, disconnect, 5xx: resolve by asking the venue, never by guessing
  kFill,
  kCanceled,
  kExpired,  // IOC remainder removed by the venue
  kCancelRejected,
  kNotFound,  // answer to a query: the venue has no order with this client id (Binance -2013)
  // Perpetuals. A funding settlement: `funding` is what it paid the account (negative: the
  // account paid), `venue_time_ns` the funding time. Not tied to an order.
  kFunding,
  // A fill of an order the venue placed itself (a liquidation, Binance "autoclose-"): `side`
  // says which way; the client id is the venue's. Applied to the position like any fill.
  kVenueFill,
  // The venue's position of the instrument (`quantity`, signed), reported when it differs from
  // what the fills the venue handed on explain, and nothing of the venue's own explains it.
  // The engine compares it with the journal's and halts the instrument when they differ.
  kPositionReport,
  // What the venue account that trades `instrument` (any of its instruments) holds of the cash
  // asset: `cash`, free and locked (a futures account: its wallet balance), as the venue
  // pushed it or was polled for it. Not tied to an order; the engine limits what it spends
  // there to it (VenueCashWatch).
  kAccountCash,
};

// Which asset a fill's fee was charged in. Binance spot charges a buy's fee in the base asset
// bought and a sell's in the quote asset received, unless the account pays fees in BNB.
enum class FeeAsset : std::uint8_t {
  kQuote,  // the instrument's quote (cash) asset: cash pays it
  kBase,   // the instrument's base asset: the position is net of it
  kOther,  // a third asset (BNB): a cost booked in that asset, valued in the cash asset
};

// Why the venue refused an order, as far as retrying is concerned.
enum class RejectionKind : std::uint8_t {
  kNone,
  kRetryable,  // may succeed later (a transient venue condition): retried with backoff
  kFinal,      // cannot succeed by retrying (insufficient balance, filter failure, unknown symbol)
  kLocal,      // never left the process (waited too long for a ban, the clock or the budget)
};

// What a venue could establish when asked to prove that an order never reached it (a
// lookup that says "does not exist" may lag behind the matching engine).
enum class AbsenceEvidence : std::uint8_t {
  kNone,      // a plain lookup answer
  kProven,    // no trace anywhere: not in the order, the order history, the trades or balances
  kUnproven,  // a trace the venue cannot attribute (a trade, a balance change): never resend
};

// Venue -> OMS. For fills: price, quantity, fee and trade_id. `fee` is the fee's value in the
// cash asset; `fee_quantity` its amount in the asset charged: at the instrument's quantity
// scale for kBase, at 8 decimals for kOther (named by `fee_asset_code`), unused for kQuote.
struct ExecutionEvent {
  ExecutionKind kind;
  Liquidity liquidity;
  InstrumentId instrument;
  std::int32_t venue_error_code;  // e.g. -1013, -2010; 0 when none
  ClientOrderId client_order_id;
  VenueOrderId venue_order_id;
  std::uint64_t trade_id;
  Price price;
  Quantity quantity;
  Money fee;
  TimeNs venue_time_ns;
  TimeNs receive_time_ns;
  Quantity fee_quantity;
  FeeAsset fee_asset;
  RejectionKind rejection;   // kRejected only
  AssetCode fee_asset_code;  // kOther only, e.g. "BNB"
  AbsenceEvidence absence;   // kNotFound / kUnknown answers to a proof-of-absence query
  Side side;                 // kVenueFill only
  Money funding;             // kFunding only
  Money cash;                // kAccountCash only
};

// A fill's fee as the venue charged it (the fields of ExecutionEvent), as the portfolio and
// the journal keep it.
struct FillFee {
  Money value;  // in the cash asset
  FeeAsset asset = FeeAsset::kQuote;
  Quantity quantity;      // kBase: at the quantity scale; kOther: 8 decimals
  AssetCode other_asset;  // kOther

  static FillFee in_quote(Money value) { return FillFee{value, FeeAsset::kQuote, Quantity{0}, {}}; }
  static FillFee of(const ExecutionEvent& fill) {
    return FillFee{fill.fee, fill.fee_asset, fill.fee_quantity, fill.fee_asset_code};
  }
  friend bool operator==(const FillFee&, const FillFee&) = default;
};

static_assert(std::is_trivially_copyable_v<OrderCommand> && sizeof(OrderCommand) <= 88);
static_assert(std::is_trivially_copyable_v<ExecutionEvent> && sizeof(ExecutionEvent) <= 144);

std::string_view to_string(Side side);
std::string_view to_string(ExecutionKind kind);
std::string_view to_string(OrderType type);
std::string_view to_string(TimeInForce time_in_force);

}  // namespace sigex
