// The shop's till (seed Fig 23; docs/proxy-architecture.md, "The till"): the customer's access
// card in someone else's machine. Built from the terminal library (host/terminal): the access
// card's PIN unlocks it, its control channel reaches the customer's home server, each basket
// item is ordered at the till's own shop over the till's own TLS session (shop_link.hpp), paid with
// purse.pay (PIN2 asked only when the home server says the amount needs it), the card's record
// handed to the shop, and the receipt printed. The till never asks for a balance or history: the
// home server's policy for a till would refuse them, and the customer sees only paid/refused.
// At the end the PIN2 authority is finished and the access card locked, so it leaves the till
// as it came.
#pragma once

#include "tools/till/till_args.hpp"

namespace hp::till {

// Exit status: 0 every item paid; 1 refused (nothing moved for the refused item, the ones before
// it stay paid); 3 the outcome of a payment is unknown (the message says which order).
int runTill(const TillOptions& options);

}  // namespace hp::till
