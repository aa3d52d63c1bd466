// The terminal agent's Unix socket (host/terminal/README.md, "The agent"): where it lives, who
// may talk to it, and how a message travels on it.
//
// The socket is `<runtime dir>/agent-<reader>.sock` (runtime dir: $XDG_RUNTIME_DIR/homeproxy,
// else ~/.cache/homeproxy, else /tmp/homeproxy-<uid>; created 0700), the socket itself 0600.
// The file modes keep other users out on a sane system; the agent checks anyway, for every
// connection, that the peer (SO_PEERCRED) runs as its own uid, and closes it unanswered
// otherwise (a directory made world-readable by mistake, a root-owned client).
//
// A message both ways: u32 text length ‖ u32 attachment length ‖ text ‖ attachment (big
// endian). The text is one RPC request (client -> agent) or response (agent -> client) in the
// control channel's JSON; the attachment carries session.open's binary hand-out, as on the
// control channel (host/rpc/channel_messages.hpp).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::terminal {

inline constexpr size_t kMaxAgentText = 20u << 20;  // a relayed page (rpc kMaxMessageBytes)
// session.open's hand-out, relay.request's page or POST body (rpc::kMaxAttachmentBytes).
inline constexpr size_t kMaxAgentAttachment = 1u << 20;

// The directory of the agent's socket and lock files, created 0700 when `create`.
std::string agentDirectory(bool create);
// "<dir>/agent-<reader>.<suffix>" with every character of the reader name outside
// [A-Za-z0-9._-] replaced by '_'.
std::string agentPath(const std::string& readerName, const char* suffix);
// Every agent socket in the directory (the client without --reader takes the first that answers).
std::vector<std::string> agentSockets();
// Whether `path` is ours alone: a directory (or, for `socket`, a socket) that is no symlink,
// owned by our euid, with no permission for group or others beyond a socket's 0600. The agent
// listens and the client connects only then: in a directory someone else controls (a
// /tmp/homeproxy-<uid> made by another user first) a socket could be swapped for theirs.
bool ownedByUsAlone(const std::string& path, bool socket);

// The peer check, alone so a unit test can give it any uid: only our own uid may talk.
bool peerAllowed(uid_t peerUid, uid_t ownUid);
// SO_PEERCRED of a connected Unix socket; nullopt when the kernel will not say.
std::optional<uid_t> peerUid(int fd);

// Listens on `path` (an old socket file there is removed first), mode 0600; the descriptor.
Result<int> listenAgentSocket(const std::string& path);
// Connects to an agent socket; an error when nobody listens there.
Result<int> connectAgentSocket(const std::string& path);

struct AgentMessage {
  std::string text;
  SecretBytes attachment;
};
Result<void> writeAgentMessage(int fd, const std::string& text, ByteView attachment = {});
// nullopt: the peer closed the connection cleanly between messages.
Result<std::optional<AgentMessage>> readAgentMessage(int fd);

}  // namespace hp::terminal
