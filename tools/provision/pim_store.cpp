// radicale.conf for the personal information store (docs/pim.md, "The store").
#include "tools/provision/output_files.hpp"

namespace hp::provision {

std::string radicaleConf(const WorldDescription& world) {
  const std::string folder = world.outDir + "/pim";
  return "# Radicale for the homeproxy personal information store (written by hp_provision;\n"
         "# docs/pim.md). Start: /usr/bin/python3 -m radicale --config " +
         world.outDir +
         "/radicale.conf\n"
         "# Only the home server reaches it: loopback only, and the user is the one the home\n"
         "# server names in X-Remote-User (from the terminal's registration, home_server.json\n"
         "# pim.users); a client's own header never gets here (pim.request drops it).\n"
         "[server]\n"
         "hosts = 127.0.0.1:" +
         std::to_string(world.pimPort) +
         "\n"
         "max_connections = 8\n"
         "# pim.request carries at most 512 KiB per request\n"
         "max_content_length = 524288\n"
         "timeout = 30\n\n"
         "[auth]\n"
         "type = http_x_remote_user\n\n"
         "[rights]\n"
         "# a user reads and writes only /USER/...\n"
         "type = owner_only\n\n"
         "[storage]\n"
         "filesystem_folder = " +
         folder +
         "\n"
         "# Every change is a git commit in that folder, so every version can be restored\n"
         "# (docs/pim.md, \"Restore\"). The repository is created by the first change.\n"
         "hook = ([ -d .git ] || (git init -q && printf '.Radicale.cache\\n.Radicale.lock\\n"
         ".Radicale.tmp-*\\n' > .gitignore)) && git add -A && (git diff --cached --quiet || "
         "git -c user.name=radicale -c user.email=radicale@localhost commit -q -m \"Changes "
         "by %(user)s\")\n\n"
         "[web]\n"
         "type = none\n\n"
         "[logging]\n"
         "level = warning\n"
         "mask_passwords = True\n";
}

}  // namespace hp::provision
