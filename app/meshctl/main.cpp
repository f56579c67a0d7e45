// meshctl: the command line for scripts and support staff.
//
//   meshctl [--url URL] [--token TOKEN] [--json] COMMAND ...
//   URL and TOKEN default to $MESHDECK_URL and $MESHDECK_TOKEN.
//
// This file holds the usage text and the command table; the commands are in
// events_commands.cpp, delivery_commands.cpp and sources_commands.cpp, what
// they share in cli.h.

#include "cli.h"

#include <iostream>
#include <string_view>

namespace meshctl {

const char* const kUsage =
    R"(usage: meshctl [--url URL] [--token TOKEN] [--json] [--insecure] COMMAND

commands:
  publish [FILE]            publish events from FILE or stdin: one event, a JSON
                            array, or JSON Lines (one event per line)
  get EVENT_ID              show one event
  events [FILTERS] [--limit N] [--all]
                            list stored events, oldest first
  tail [FILTERS] [--from-start]
                            follow new events as they are committed (Ctrl+C stops)
  search QUERY [--limit N]  what an id is, whatever it is: an event id (a UUID, any
                            case), an entity id of any kind or KIND:ID, a correlation
                            id, a dead letter id (9, dl-9 or #9), a vendor's own
                            event id (HubSpot eventId, Salesforce notification Id,
                            Segment messageId); each match with what to run next.
                            Exits 4 when nothing matches
  schemas                   list event types and their schema versions
  schema TYPE               show every version of TYPE's schema
  quarantine [--limit N]    rejected inputs and why: publishes, vendor hook requests
                            and the vendor items no rule could map (admin)
  health                    broker status

delivery:
  consumers                 every consumer: state, lag, in flight, totals, circuit
  consumers lag             consumers by how far behind they are, furthest first
  consumers show NAME       one consumer's status and spec
  consumers pause|resume NAME
                            hold a consumer's deliveries, or let them go on (operator)
  consumers create FILE     create a consumer from its JSON spec (admin)
  consumers apply FILE      create or change the consumer FILE names (admin)
  consumers delete NAME     (admin)
  consumers replay NAME... (--from-seq N | --since TIME) [--type TYPE]...
                           [--rate N] [--dry-run]
                            deliver again from a seq or a time, at most N events
                            a second; --dry-run only counts (operator)
  dlq list [--consumer C] [--state open|replayed|discarded|all] [--limit N]
                            dead letters, newest first (default: open ones)
  dlq groups [--consumer C] open dead letters grouped by error signature
  dlq show ID               one dead letter, its event and every attempt
  dlq replay ID... | --consumer C --signature S
                            deliver dead letters again (operator)
  dlq replay ID --payload FILE
                            deliver one again with the payload in FILE, checked
                            against the event type's schema (operator)
  dlq discard ID... | --consumer C --signature S  --reason TEXT
                            close dead letters unsent; the reason is audited
  trace CORRELATION_ID      a journey in time order: events, attempts, dead
                            letters, replays, outcomes, and what caused what
  stall --correlation-id ID | --entity KIND:ID
                            where its events stalled, in a sentence, with evidence
  flows                     producer -> event type -> consumer edges: totals since
                            the broker started, rates and error share over a minute

vendor sources (webhooks vendors post to /v1/hooks/NAME):
  sources                   every source: kind, hook path, items received, mapped,
                            ignored, rejected, quarantined, the last error
  sources show NAME         one source's counters and spec (secrets masked)
  sources apply NAME --file SPEC.json
                            create or replace a source from its JSON spec (admin)
  sources delete NAME       (admin)
  sources test NAME --file BODY [--header 'Name: value']... [--verify]
               [--mapping RULES.json]
                            run a vendor body through the source's verification
                            (--verify, with the headers given) and mapping (or
                            the rules in RULES.json): each item's outcome, rule,
                            reason and canonical event; nothing is stored
                            (operator)

filters: --type TYPE --tenant TENANT --entity KIND:ID --correlation ID --producer NAME
         --since TIME --until TIME (RFC 3339, e.g. 2026-11-27T09:00:00Z)

The mesh URL and token come from --url/--token or MESHDECK_URL/MESHDECK_TOKEN.
--json prints machine-readable JSON (one object per line for tail and publish;
the API's answer as it is for search and the delivery and sources commands).

exit status: 0 done; 1 the mesh refused or failed the request; 2 a usage error;
3 the mesh cannot be reached; 4 search found nothing.
)";

namespace {

struct Entry {
    std::string_view name;
    Command run;
};

constexpr Entry kCommands[] = {
    {"publish", publish},     {"get", get},         {"events", events},         {"tail", tail},
    {"schemas", schemas},     {"schema", schema},   {"quarantine", quarantine}, {"health", health},
    {"consumers", consumers}, {"dlq", dlq},         {"trace", trace},           {"stall", stall},
    {"flows", flows},         {"sources", sources}, {"search", search},
};

} // namespace

} // namespace meshctl

int main(int argc, char** argv) {
    using namespace meshctl;
    Options o = parse(argc, argv);
    try {
        MeshClient client(o.url, o.token);
        client.setInsecure(o.insecure);
        for (const auto& command : kCommands)
            if (command.name == o.command)
                return command.run(o, client);
        fail("unknown command '" + o.command + "'\n\n" + kUsage);
    } catch (const std::exception& e) {
        fail(e.what(), 1);
    }
}
