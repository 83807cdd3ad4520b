#pragma once

// Evidence of earlier runs on the exchange account. Client order ids are unique on Binance
// only among open orders, so a journal that was lost, emptied or replaced could re-trade
// signals an earlier journal traded. At start-up the account's recent orders are read and
// every order minted by one of this configuration's strategies that the journal does not
// hold is named: sigex refuses to start until the operator adopts them (their fills become
// part of the journal) or acknowledges them as not to be adopted.

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/instrument.h"
#include "engine/events/events.h"
#include "engine/journal/journal.h"
#include "engine/order/account_order.h"

namespace sigex {

// Orders of `account` minted by sigex for one of `strategy_tags` whose ids are not in
// `known_ids` (the journal's orders and the ids an operator acknowledged).
std::vector<AccountOrder> orders_unknown_to_journal(
    const std::vector<AccountOrder>& account, const std::vector<std::string>& strategy_tags,
    const std::set<std::string, std::less<>>& known_ids);

// The fills of an account order, as engine fill events (the venue converts them).
using AccountOrderFills = std::function<std::vector<ExecutionEvent>(const AccountOrder&)>;

// `sigex run --adopt-unknown-orders`: takes `orders` (from orders_unknown_to_journal) and their
// fills into `journal`, each as an order of the strategy whose tag it carries (index in
// `strategy_tags`), final where the exchange says it is final, and its fills with the
// positions they make (the journal's fills so far, then these). An order whose fills are
// older than the history read is journaled with the fills there are, and logged.
void adopt_account_orders(Journal& journal, const InstrumentRegistry& instruments,
                          const std::vector<std::string>& strategy_tags,
                          const std::vector<AccountOrder>& orders,
                          const AccountOrderFills& fills_of, TimeNs now_ns);

}  // namespace sigex
