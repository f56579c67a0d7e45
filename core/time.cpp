#include "core/time.h"

#include <cstdio>

namespace meshdeck {

namespace {

using namespace std::chrono;

// Reads exactly `width` decimal digits starting at `pos`.
bool readDigits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
    if (pos + width > text.size())
        return false;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    out = value;
    return true;
}

} // namespace

std::string formatRfc3339(Timestamp t) {
    const auto dayPoint = floor<days>(t);
    const year_month_day date{dayPoint};
    const hh_mm_ss<milliseconds> time{t - dayPoint};
    char buffer[40];
    std::snprintf(
        buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return buffer;
}

// RFC 3339 section 5.6:
//   date-time = full-date "T" full-time
//   full-date = YYYY "-" MM "-" DD
//   full-time = HH ":" MM ":" SS [ "." 1*DIGIT ] ( "Z" / ("+" / "-") HH ":" MM )
// "T" and "Z" may be lower case. Leap seconds (:60) cannot be represented by
// sys_time and are refused rather than silently moved.
std::optional<Timestamp> parseRfc3339(std::string_view text) {
    int yearValue = 0, monthValue = 0, dayValue = 0, hour = 0, minute = 0, second = 0;
    if (!readDigits(text, 0, 4, yearValue) || text.size() < 20 || text[4] != '-' ||
        !readDigits(text, 5, 2, monthValue) || text[7] != '-' ||
        !readDigits(text, 8, 2, dayValue) || (text[10] != 'T' && text[10] != 't') ||
        !readDigits(text, 11, 2, hour) || text[13] != ':' || !readDigits(text, 14, 2, minute) ||
        text[16] != ':' || !readDigits(text, 17, 2, second))
        return std::nullopt;

    const year_month_day date{year{yearValue}, month{static_cast<unsigned>(monthValue)},
                              day{static_cast<unsigned>(dayValue)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 59)
        return std::nullopt;

    std::size_t pos = 19;
    milliseconds fraction{0};
    if (text[pos] == '.') {
        ++pos;
        const std::size_t fractionStart = pos;
        int millis = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (pos - fractionStart < 3)
                millis = millis * 10 + (text[pos] - '0');
            ++pos;
        }
        const std::size_t digits = pos - fractionStart;
        if (digits == 0)
            return std::nullopt;
        for (std::size_t i = digits; i < 3; ++i)
            millis *= 10;
        fraction = milliseconds{millis};
    }

    if (pos >= text.size())
        return std::nullopt;
    minutes offset{0};
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        const int sign = text[pos] == '-' ? -1 : 1;
        int offsetHours = 0, offsetMinutes = 0;
        if (!readDigits(text, pos + 1, 2, offsetHours) || pos + 3 >= text.size() ||
            text[pos + 3] != ':' || !readDigits(text, pos + 4, 2, offsetMinutes) ||
            offsetHours > 23 || offsetMinutes > 59)
            return std::nullopt;
        offset = minutes{sign * (offsetHours * 60 + offsetMinutes)};
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size())
        return std::nullopt;

    const sys_days dayPoint{date};
    const Timestamp instant =
        Timestamp{dayPoint} + hours{hour} + minutes{minute} + seconds{second} + fraction - offset;
    // Only instants that formatRfc3339 writes back as they came: years 0000
    // to 9999 in UTC ("0000-01-01T00:00:00+01:00" is in year -1).
    static const Timestamp first{sys_days{year{0} / January / 1}};
    static const Timestamp last{sys_days{year{10000} / January / 1}};
    if (instant < first || instant >= last)
        return std::nullopt;
    return instant;
}

Timestamp SystemClock::now() const {
    return floor<milliseconds>(system_clock::now());
}

steady_clock::time_point SystemClock::steadyNow() const {
    return steady_clock::now();
}

const SystemClock& SystemClock::instance() {
    static const SystemClock clock;
    return clock;
}

} // namespace meshdeck
