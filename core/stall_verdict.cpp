#include "core/stall_verdict.h"

#include <array>
#include <utility>

namespace meshdeck {

namespace {

// In StallState's order, which is also the order of urgency.
constexpr std::array<std::pair<StallState, std::string_view>, 12> kWords{{
    {StallState::DeadLettered, "dead-lettered"},
    {StallState::Blocked, "blocked"},
    {StallState::CircuitOpen, "circuit-open"},
    {StallState::Retrying, "retrying"},
    {StallState::Paused, "paused"},
    {StallState::NoSubscriber, "no-subscriber"},
    {StallState::WaitingForPredecessor, "waiting-for-predecessor"},
    {StallState::Pending, "pending"},
    {StallState::InFlight, "in-flight"},
    {StallState::Stale, "stale"},
    {StallState::Filtered, "filtered"},
    {StallState::Delivered, "delivered"},
}};

constexpr bool inEnumOrder() {
    for (std::size_t i = 0; i < kWords.size(); ++i)
        if (static_cast<std::size_t>(kWords[i].first) != i)
            return false;
    return true;
}
static_assert(inEnumOrder(), "kWords must list StallState's values in their order");

} // namespace

std::string_view toString(StallState state) {
    return kWords[static_cast<std::size_t>(urgency(state))].second;
}

std::optional<StallState> parseStallState(std::string_view text) {
    for (const auto& [state, word] : kWords)
        if (word == text)
            return state;
    return std::nullopt;
}

int urgency(StallState state) {
    return static_cast<int>(state);
}

bool isSettled(StallState state) {
    return state == StallState::Stale || state == StallState::Filtered ||
           state == StallState::Delivered;
}

} // namespace meshdeck
