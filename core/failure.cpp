#include "core/failure.h"

#include "core/word_table.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace meshdeck::delivery {

using namespace std::chrono;

namespace {

constexpr WordTable<FailureClass, 8> kClasses{{
    {FailureClass::None, "none"},
    {FailureClass::Transport, "transport"},
    {FailureClass::Throttled, "throttled"},
    {FailureClass::Auth, "auth"},
    {FailureClass::Invalid, "invalid"},
    {FailureClass::Server, "server"},
    {FailureClass::Other, "other"},
    {FailureClass::Stale, "stale"},
}};

} // namespace

std::string_view toString(FailureClass failure) {
    return wordOf(kClasses, failure);
}

std::optional<FailureClass> parseFailureClass(std::string_view name) {
    return valueOf(kClasses, name);
}

FailureClass classifyStatus(int status, std::string_view body, bool hasRetryAfter) {
    if (status >= 200 && status <= 299)
        return FailureClass::None;
    if (status == 429)
        return FailureClass::Throttled;
    if (status == 503)
        return hasRetryAfter ? FailureClass::Throttled : FailureClass::Server;
    // Salesforce answers its API request limit with 403 and this error code
    // in a JSON array: [{"message":"...","errorCode":"REQUEST_LIMIT_EXCEEDED"}].
    if (status == 403 && body.find("REQUEST_LIMIT_EXCEEDED") != std::string_view::npos)
        return FailureClass::Throttled;
    if (status == 401 || status == 403)
        return FailureClass::Auth;
    if (status == 400 || status == 422)
        return FailureClass::Invalid;
    if (status >= 500 && status <= 599)
        return FailureClass::Server;
    return FailureClass::Other;
}

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

bool isDigits(std::string_view text) {
    if (text.empty())
        return false;
    for (const char c : text)
        if (c < '0' || c > '9')
            return false;
    return true;
}

int digitsValue(std::string_view text) {
    int value = 0;
    for (const char c : text)
        value = value * 10 + (c - '0');
    return value;
}

// IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
//   "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, 29 characters.
// The day name must be one of the seven but is not checked against the date.
std::optional<sys_seconds> parseImfFixdate(std::string_view text) {
    static constexpr std::array<std::string_view, 7> kDays{"Mon", "Tue", "Wed", "Thu",
                                                           "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 12> kMonths{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
        text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT")
        return std::nullopt;
    bool knownDay = false;
    for (const auto name : kDays)
        knownDay = knownDay || text.substr(0, 3) == name;
    unsigned monthNumber = 0;
    for (unsigned i = 0; i < kMonths.size(); ++i)
        if (text.substr(8, 3) == kMonths[i])
            monthNumber = i + 1;
    const auto dayText = text.substr(5, 2), yearText = text.substr(12, 4),
               hourText = text.substr(17, 2), minuteText = text.substr(20, 2),
               secondText = text.substr(23, 2);
    if (!knownDay || monthNumber == 0 || !isDigits(dayText) || !isDigits(yearText) ||
        !isDigits(hourText) || !isDigits(minuteText) || !isDigits(secondText))
        return std::nullopt;
    const year_month_day date{year{digitsValue(yearText)}, month{monthNumber},
                              day{static_cast<unsigned>(digitsValue(dayText))}};
    const int h = digitsValue(hourText), m = digitsValue(minuteText), s = digitsValue(secondText);
    // 60 is a leap second; sys_time cannot hold it, and a second early is harmless.
    if (!date.ok() || h > 23 || m > 59 || s > 60)
        return std::nullopt;
    return sys_days{date} + hours{h} + minutes{m} + seconds{std::min(s, 59)};
}

} // namespace

std::optional<milliseconds> parseRetryAfter(std::string_view value, system_clock::time_point now) {
    value = trim(value);
    if (isDigits(value)) {
        // delta-seconds; capping a long wait is the caller's policy, not ours.
        std::int64_t secondsValue = 0;
        const auto [end, ec] =
            std::from_chars(value.data(), value.data() + value.size(), secondsValue);
        if (ec != std::errc() || end != value.data() + value.size() ||
            secondsValue > std::numeric_limits<std::int64_t>::max() / 1000)
            return std::nullopt;
        return milliseconds{secondsValue * 1000};
    }
    const auto date = parseImfFixdate(value);
    if (!date)
        return std::nullopt;
    if (*date <= now)
        return milliseconds{0};
    return ceil<milliseconds>(*date - now);
}

} // namespace meshdeck::delivery
