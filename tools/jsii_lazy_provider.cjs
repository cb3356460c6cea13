// Preloaded (NODE_OPTIONS=--require) into the jsii kernel's Node process by tools/jsii_env.py.
//
// The jsii kernel require()s @cdktf/provider-aws's lib/index.js when the assembly loads, and that
// index require()s all 2,136 resource modules: ~2 s and ~470 MB of Node heap, when a synth of
// this platform constructs about 70 of them. The kernel finds a type by walking the index's
// exports (closure.vpc.Vpc), so an index whose exports are getters that require() their module
// on first access serves the same objects. Every other file loads untouched.
"use strict";

const Module = require("module");
const fs = require("fs");
const path = require("path");

const PROVIDER_INDEX = path.join("@cdktf", "provider-aws", "lib", "index.js");
const EXPORT_LINE = /^exports\.([A-Za-z0-9_$]+) = require\("(\.\/[A-Za-z0-9_.-]+)"\);$/;
// Lines of the generated index that carry no export: directive, comments, the ES-module marker,
// TypeScript's `exports.a = exports.b = void 0;` hoisting.
const PRELUDE_LINE =
  /^(\s*$|"use strict";$|\/\*\*|\s*\*|\/\/|Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$|(exports\.[A-Za-z0-9_$]+ = )+void 0;$)/;
const compileJs = Module._extensions[".js"];

function lazyExports(module, filename) {
  const exported = [];
  for (const line of fs.readFileSync(filename, "utf8").split("\n")) {
    const match = EXPORT_LINE.exec(line);
    if (match) exported.push([match[1], match[2]]);
    // Anything else means a generator we do not know: load that index as it is.
    else if (!PRELUDE_LINE.test(line)) return false;
  }
  if (exported.length === 0) return false;
  Object.defineProperty(module.exports, "__esModule", { value: true });
  for (const [name, request] of exported) {
    Object.defineProperty(module.exports, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = module.require(request);
        Object.defineProperty(module.exports, name, { value, enumerable: true, configurable: true });
        return value;
      },
    });
  }
  return true;
}

Module._extensions[".js"] = function loadJs(module, filename) {
  if (filename.endsWith(PROVIDER_INDEX) && lazyExports(module, filename)) return;
  return compileJs(module, filename);
};
