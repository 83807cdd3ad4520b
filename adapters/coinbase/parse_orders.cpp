#include "adapters/coinbase/parse_orders.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace sigex {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string text_of(object item, std::string_view key) {
  std::string_view value;
  if (item[key].get_string().get(value)) return {};
  return std::string(value);
}

CoinbaseOrder read_order(object item) {
  CoinbaseOrder order;
  order.order_id = text_of(item, "order_id");
  order.client_order_id = text_of(item, "client_order_id");
  order.product_id = text_of(item, "product_id");
  order.side = text_of(item, "side");
  order.status = text_of(item, "status");
  if (auto filled = text_of(item, "filled_size"); !filled.empty()) order.filled_size = filled;
  if (auto price = text_of(item, "average_filled_price"); !price.empty())
    order.average_filled_price = price;
  order.created_time = text_of(item, "created_time");
  object configuration;
  if (item["order_configuration"].get_object().get(configuration) == simdjson::SUCCESS) {
    for (auto [name, value] : configuration) {
      object shape;
      if (value.get_object().get(shape)) continue;
      order.base_size = text_of(shape, "base_size");
      order.limit_price = text_of(shape, "limit_price");
      break;  // exactly one key
    }
  }
  return order;
}

tl::expected<element, std::string> parse_root(simdjson::dom::parser& parser, std::string_view body,
                                              const char* what) {
  element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return tl::unexpected(fmt::format("{}: not JSON", what));
  return root;
}

// A page of `key` (`what` names it in errors): each object read by `read_item`, and the
// cursor of the next page ("" at the end: has_next false, or no cursor given).
template <typename T, typename Read>
tl::expected<std::vector<T>, std::string> read_page(std::string_view body, const char* what,
                                                    const char* key, std::string& cursor,
                                                    Read&& read_item) {
  simdjson::dom::parser parser;
  auto root = parse_root(parser, body, what);
  if (!root) return tl::unexpected(root.error());
  simdjson::dom::array list;
  if ((*root)[key].get_array().get(list))
    return tl::unexpected(fmt::format("{}: no \"{}\"", what, key));
  std::vector<T> items;
  for (element entry : list) {
    object item;
    if (entry.get_object().get(item))
      return tl::unexpected(fmt::format("{}: an entry that is not an object", what));
    tl::expected<T, std::string> read = read_item(item);
    if (!read) return tl::unexpected(fmt::format("{}: {}", what, read.error()));
    items.push_back(std::move(*read));
  }
  cursor.clear();
  object top;
  bool has_next = true;
  if (root->get_object().get(top) == simdjson::SUCCESS) {
    if (top["has_next"].get_bool().get(has_next) != simdjson::SUCCESS) has_next = true;
    if (has_next) cursor = text_of(top, "cursor");
  }
  return items;
}

}  // namespace

std::uint64_t id_hash(std::string_view id) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash == 0 ? 1 : hash;
}

tl::expected<std::vector<CoinbaseUserOrder>, std::string> parse_user_orders(
    std::string_view frame) {
  simdjson::dom::parser parser;
  auto root = parse_root(parser, frame, "user message");
  if (!root) return tl::unexpected(root.error());
  simdjson::dom::array events;
  if ((*root)["events"].get_array().get(events))
    return tl::unexpected(std::string("user message: no \"events\""));
  std::vector<CoinbaseUserOrder> orders;
  for (element event : events) {
    simdjson::dom::array list;
    if (event["orders"].get_array().get(list)) continue;
    for (element entry : list) {
      object item;
      if (entry.get_object().get(item))
        return tl::unexpected(std::string("user message: an order that is not an object"));
      CoinbaseUserOrder order;
      order.order_id = text_of(item, "order_id");
      order.client_order_id = text_of(item, "client_order_id");
      order.status = text_of(item, "status");
      order.cumulative_quantity = text_of(item, "cumulative_quantity");
      if (order.order_id.empty())
        return tl::unexpected(std::string("user message: an order without order_id"));
      orders.push_back(std::move(order));
    }
  }
  return orders;
}

tl::expected<CoinbaseCreateAnswer, std::string> parse_create_answer(std::string_view body) {
  simdjson::dom::parser parser;
  auto root = parse_root(parser, body, "create answer");
  if (!root) return tl::unexpected(root.error());
  CoinbaseCreateAnswer answer;
  object item;
  if (root->get_object().get(item))
    return tl::unexpected(std::string("create answer: not an object"));
  if (item["success"].get_bool().get(answer.success))
    return tl::unexpected(std::string("create answer: no \"success\""));
  object success;
  if (item["success_response"].get_object().get(success) == simdjson::SUCCESS) {
    answer.order_id = text_of(success, "order_id");
    answer.client_order_id = text_of(success, "client_order_id");
  }
  if (answer.order_id.empty()) answer.order_id = text_of(item, "order_id");
  object failure;
  if (item["error_response"].get_object().get(failure) == simdjson::SUCCESS) {
    answer.error = text_of(failure, "error");
    answer.message = text_of(failure, "message");
    if (answer.message.empty()) answer.message = text_of(failure, "new_order_failure_reason");
    if (answer.message.empty()) answer.message = text_of(failure, "preview_failure_reason");
  }
  if (answer.error.empty()) answer.error = text_of(item, "failure_reason");
  if (answer.success && answer.order_id.empty())
    return tl::unexpected(std::string("create answer: success without an order_id"));
  return answer;
}

tl::expected<CoinbaseOrder, std::string> parse_order(std::string_view body) {
  simdjson::dom::parser parser;
  auto root = parse_root(parser, body, "order");
  if (!root) return tl::unexpected(root.error());
  object item;
  if ((*root)["order"].get_object().get(item) && root->get_object().get(item))
    return tl::unexpected(std::string("order: not an object"));
  CoinbaseOrder order = read_order(item);
  if (order.order_id.empty()) return tl::unexpected(std::string("order: no order_id"));
  return order;
}

tl::expected<std::vector<CoinbaseOrder>, std::string> parse_order_list(std::string_view body,
                                                                       std::string& cursor) {
  return read_page<CoinbaseOrder>(
      body, "order list", "orders", cursor,
      [](object item) -> tl::expected<CoinbaseOrder, std::string> { return read_order(item); });
}

tl::expected<std::vector<CoinbaseFill>, std::string> parse_fills(std::string_view body,
                                                                 std::string& cursor) {
  return read_page<CoinbaseFill>(
      body, "fills", "fills", cursor, [](object item) -> tl::expected<CoinbaseFill, std::string> {
        CoinbaseFill fill;
        fill.trade_id = text_of(item, "trade_id");
        if (fill.trade_id.empty()) fill.trade_id = text_of(item, "entry_id");
        fill.order_id = text_of(item, "order_id");
        fill.product_id = text_of(item, "product_id");
        fill.side = text_of(item, "side");
        fill.price = text_of(item, "price");
        fill.size = text_of(item, "size");
        fill.commission = text_of(item, "commission");
        fill.trade_time = text_of(item, "trade_time");
        fill.maker = text_of(item, "liquidity_indicator") == "MAKER";
        if (fill.trade_id.empty() || fill.order_id.empty() || fill.price.empty() ||
            fill.size.empty()) {
          return tl::unexpected(std::string("a fill without trade_id, order_id, price or size"));
        }
        if (fill.commission.empty()) fill.commission = "0";
        return fill;
      });
}

tl::expected<std::vector<CoinbaseBalance>, std::string> parse_accounts(std::string_view body,
                                                                       std::string& cursor) {
  return read_page<CoinbaseBalance>(
      body, "accounts", "accounts", cursor,
      [](object item) -> tl::expected<CoinbaseBalance, std::string> {
        CoinbaseBalance balance;
        balance.currency = text_of(item, "currency");
        object value;
        if (item["available_balance"].get_object().get(value) == simdjson::SUCCESS)
          balance.available = text_of(value, "value");
        if (item["hold"].get_object().get(value) == simdjson::SUCCESS)
          balance.hold = text_of(value, "value");
        if (balance.available.empty()) balance.available = "0";
        if (balance.hold.empty()) balance.hold = "0";
        return balance;
      });
}

tl::expected<std::vector<CoinbaseCancelResult>, std::string> parse_cancel_results(
    std::string_view body) {
  simdjson::dom::parser parser;
  auto root = parse_root(parser, body, "cancel answer");
  if (!root) return tl::unexpected(root.error());
  simdjson::dom::array list;
  if ((*root)["results"].get_array().get(list))
    return tl::unexpected(std::string("cancel answer: no \"results\""));
  std::vector<CoinbaseCancelResult> results;
  for (element entry : list) {
    object item;
    if (entry.get_object().get(item)) continue;
    CoinbaseCancelResult result;
    result.order_id = text_of(item, "order_id");
    if (item["success"].get_bool().get(result.success)) result.success = false;
    result.failure_reason = text_of(item, "failure_reason");
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace sigex
