#include "engine/oms/account_history.h"

#include <algorithm>

#include "engine/oms/client_order_id.h"

namespace sigex {

std::vector<AccountOrder> orders_unknown_to_journal(const std::vector<AccountOrder>& account,
                                                    const std::vector<std::string>& strategy_tags,
                                                    const std::set<std::string, std::less<>>& known_ids) {
  std::vector<AccountOrder> unknown;
  for (const AccountOrder& order : account) {
    const auto parts = parse_minted_id(order.client_order_id.view());
    if (!parts) continue;  // placed by hand or by another program
    if (std::find(strategy_tags.begin(), strategy_tags.end(), parts->strategy_tag) == strategy_tags.end()) continue;
    if (known_ids.contains(order.client_order_id.view())) continue;
    unknown.push_back(order);
  }
  return unknown;
}

}  // namespace sigex
