/** Imports every subcommand module so each registers itself with the dispatcher. */
import "./status.ts";
import "./start.ts";
import "./demo.ts";
import "./config_check.ts";
import "./keygen.ts";
import "./logd.ts";
import "./propagate.ts";
import "./manpage.ts";
