'use strict';
/**
 * The Babel plugin: rewrites a file so that it records itself through the
 * runtime (`globalThis.__causeway`), the way istanbul instruments for
 * coverage. Options:
 *
 *   root       project root; files are named relative to it (default: cwd)
 *   runtime    "import" (default): the file loads `causeway-recorder/runtime`
 *              itself; "global": the loader hook has already installed it
 *   language   "javascript" or "typescript" (default: from the file name)
 *
 * What is rewritten (every site keeps the line and column of the original
 * source, so `.ts` files report `.ts` lines):
 *
 * - every function, method, arrow and constructor (not generators): entry,
 *   return value, exception; an async function's body becomes a task whose
 *   exit is recorded when its promise settles;
 * - `await x`: the lane switch and the ordering after what `x` waited for;
 * - property reads and writes (`o.x`, `o[k]`, `=`, compound assignments,
 *   `++`/`--`, `delete`, object destructuring in declarations), collection
 *   methods (`push`, `set`, `add`, `get`, ...);
 * - module-level `let`/`var` bindings that some function reads or writes and
 *   that are assigned after their declaration; local variables captured by a
 *   closure and assigned after their declaration (named per activation);
 * - `new Promise(executor)`.
 *
 * A file that already went through the plugin is left alone.
 */
const nodePath = require('node:path');

const MARK = '__causeway_instrumented__';
const RT = '__cw$';
const SITES = '__cw$s';
const COLLECTION_METHODS = new Set([
  'push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin',
  'at', 'includes', 'indexOf', 'lastIndexOf', 'slice', 'join', 'find', 'findIndex', 'findLast', 'findLastIndex',
  'filter', 'map', 'forEach', 'some', 'every', 'reduce', 'reduceRight', 'keys', 'values', 'entries', 'concat',
  'flat', 'flatMap', 'set', 'get', 'has', 'add', 'delete', 'clear',
]);

module.exports = function causewayPlugin(api, options = {}) {
  const t = api.types;
  /** The state of the file being instrumented (one at a time: Babel is synchronous). */
  let currentState = null;

  /** Marks a node as made by the plugin: it is not instrumented again. */
  function own(node) {
    node._cw = true;
    return node;
  }

  function raw(name) {
    return own(t.identifier(name));
  }

  function helper(state, method, args) {
    return own(t.callExpression(own(t.memberExpression(raw(RT), t.identifier(method))), args));
  }

  /** A site reference `__cw$s[N]` for the node's location. */
  function site(state, node, extra = {}) {
    const loc = node.loc ? node.loc.start : { line: 0, column: 0 };
    const def = [loc.line, loc.column + 1, extra.fn ?? currentFunctionName(state), extra.name ?? ''];
    if (extra.owner !== undefined) def.push(extra.owner);
    else if (extra.params !== undefined) def.push(null, extra.params);
    state.cw.sites.push(def);
    return siteRef(state.cw.sites.length - 1);
  }

  function siteRef(index) {
    return own(t.memberExpression(raw(SITES), t.numericLiteral(index), true));
  }

  /** Another reference to the same site (clones lose the plugin's mark). */
  function again(ref) {
    return siteRef(ref.property.value);
  }

  function currentFunctionName(state) {
    const stack = state.cw.functions;
    return stack.length > 0 ? stack[stack.length - 1].name : '<module>';
  }

  // -- names --------------------------------------------------------------

  function keyName(key, computed) {
    if (!computed && t.isIdentifier(key)) return key.name;
    if (t.isStringLiteral(key)) return key.value;
    if (t.isNumericLiteral(key)) return String(key.value);
    if (t.isPrivateName(key)) return `#${key.id.name}`;
    return null;
  }

  function className(classPath) {
    const node = classPath.node;
    if (node.id) return node.id.name;
    const parent = classPath.parentPath;
    if (parent.isVariableDeclarator() && t.isIdentifier(parent.node.id)) return parent.node.id.name;
    return '<class>';
  }

  /** The short name of a function: what a stack trace would call it. */
  function ownName(fnPath) {
    const node = fnPath.node;
    if ((fnPath.isClassMethod() || fnPath.isClassPrivateMethod()) && fnPath.parentPath.parentPath) {
      const cls = className(fnPath.parentPath.parentPath);
      const key = keyName(node.key, node.computed) ?? '<computed>';
      return `${cls}.${key}`;
    }
    if (fnPath.isObjectMethod()) {
      const key = keyName(node.key, node.computed) ?? '<computed>';
      const obj = fnPath.parentPath;
      const holder = obj.parentPath;
      const prefix = holder && holder.isVariableDeclarator() && t.isIdentifier(holder.node.id) ? `${holder.node.id.name}.` : '';
      return `${prefix}${key}`;
    }
    if (node.id) return node.id.name;
    const parent = fnPath.parentPath;
    if (parent.isExportDefaultDeclaration()) return 'default';
    if (parent.isVariableDeclarator() && t.isIdentifier(parent.node.id)) return parent.node.id.name;
    if (parent.isClassProperty() || parent.isClassPrivateProperty()) {
      const cls = className(parent.parentPath.parentPath);
      return `${cls}.${keyName(parent.node.key, parent.node.computed) ?? '<computed>'}`;
    }
    if (parent.isObjectProperty()) {
      const key = keyName(parent.node.key, parent.node.computed) ?? '<computed>';
      const holder = parent.parentPath.parentPath;
      const prefix = holder && holder.isVariableDeclarator() && t.isIdentifier(holder.node.id) ? `${holder.node.id.name}.` : '';
      return `${prefix}${key}`;
    }
    if (parent.isAssignmentExpression() && parent.node.right === node) {
      const left = parent.node.left;
      if (t.isIdentifier(left)) return left.name;
      if (t.isMemberExpression(left)) {
        const key = keyName(left.property, left.computed);
        if (key !== null) return key;
      }
    }
    return '<anonymous>';
  }

  // -- which variables are shared state ----------------------------------

  /** Module-level let/var bindings assigned after declaration and used in a function. */
  function moduleState(programPath) {
    const shared = new Set();
    for (const binding of Object.values(programPath.scope.bindings)) {
      if (binding.kind !== 'let' && binding.kind !== 'var') continue;
      if (binding.constantViolations.length === 0) continue;
      const uses = binding.referencePaths.concat(binding.constantViolations);
      if (uses.some((p) => p.getFunctionParent() !== null)) shared.add(binding);
    }
    return shared;
  }

  /** A `for (let i ...)` binding: a new variable per iteration, never shared across them. */
  function perIteration(binding) {
    const declaration = binding.path.parentPath;
    if (!declaration || !declaration.isVariableDeclaration() || declaration.node.kind === 'var') return false;
    const loop = declaration.parentPath;
    return loop.isFor() && (declaration.key === 'init' || declaration.key === 'left');
  }

  /**
   * Local bindings captured by a nested function and assigned after their
   * declaration, by the function whose activation holds them (one pass
   * over the file's scopes).
   */
  function closureState(programPath) {
    const byOwner = new Map();
    programPath.traverse({
      Scopable(scopePath) {
        const scope = scopePath.scope;
        if (scope.path !== scopePath) return;
        for (const binding of Object.values(scope.bindings)) {
          if (!['let', 'var', 'param'].includes(binding.kind)) continue;
          if (binding.constantViolations.length === 0 || perIteration(binding)) continue;
          const owner = binding.scope.getFunctionParent();
          if (owner === null) continue;
          const uses = binding.referencePaths.concat(binding.constantViolations);
          if (!uses.some((p) => p.scope.getFunctionParent() !== owner)) continue;
          const list = byOwner.get(owner.path.node) || [];
          list.push(binding);
          byOwner.set(owner.path.node, list);
        }
      },
    });
    return byOwner;
  }

  /** How an identifier is shared: {kind: 'module'} or {kind: 'closure', owner}, or null. */
  function sharing(state, path, name) {
    const binding = path.scope.getBinding(name);
    if (!binding) return null;
    if (state.cw.moduleState.has(binding)) return { kind: 'module', binding };
    const owner = state.cw.closureOwner.get(binding);
    if (owner) return { kind: 'closure', binding, owner };
    return null;
  }

  function readHelper(state, path, share, valueNode, node) {
    if (share.kind === 'module') return helper(state, 'rv', [valueNode, site(state, node, { name: share.binding.identifier.name })]);
    return helper(state, 'rc', [valueNode, frameRef(share.owner), site(state, node, { name: share.binding.identifier.name, owner: share.owner.name })]);
  }

  function writeHelper(state, path, share, valueNode, node) {
    if (share.kind === 'module') return helper(state, 'wv', [valueNode, site(state, node, { name: share.binding.identifier.name })]);
    return helper(state, 'wc', [valueNode, frameRef(share.owner), site(state, node, { name: share.binding.identifier.name, owner: share.owner.name })]);
  }

  function frameRef(owner) {
    return owner.instrumented ? raw(owner.frame) : own(t.nullLiteral());
  }

  // -- members --------------------------------------------------------------

  function memberKey(node) {
    if (node.computed) return node.property;
    return t.stringLiteral(node.property.name);
  }

  function instrumentableMember(node) {
    return t.isMemberExpression(node) && !node._cw && !t.isSuper(node.object) && !t.isMetaProperty(node.object) && !t.isPrivateName(node.property) && !node.optional;
  }

  /**
   * A fresh `var` in the nearest function (or the program). Names are
   * numbered per file, with a `__cw$` prefix no program uses: Babel's
   * generateUid searches every name already taken, quadratic in a big file.
   */
  function temporary(path) {
    const state = path.state || currentState;
    state.cw.temps += 1;
    const id = t.identifier(`__cw$t${state.cw.temps}`);
    path.scope.push({ id: t.cloneNode(id) });
    return id;
  }

  /** Temporaries for `o.x += v`: evaluate `o` (and `k`) once. */
  function once(path, node) {
    if (t.isIdentifier(node) || t.isThisExpression(node) || t.isLiteral(node)) return [node, t.cloneNode(node)];
    const id = temporary(path);
    return [own(t.assignmentExpression('=', own(t.cloneNode(id)), node)), own(t.cloneNode(id))];
  }

  // -- functions ------------------------------------------------------------

  function eligible(fnPath) {
    const node = fnPath.node;
    return !node.generator && node.body !== null && node.body !== undefined;
  }

  /** Names of the positional parameters (for redaction by name); '' where there is none. */
  function parameterNames(node) {
    return node.params.map((param) => {
      if (t.isTSParameterProperty && t.isTSParameterProperty(param)) param = param.parameter;
      if (t.isIdentifier(param)) return param.name;
      if (t.isAssignmentPattern(param) && t.isIdentifier(param.left)) return param.left.name;
      return '';
    });
  }

  function argumentsOf(fnPath) {
    if (!fnPath.isArrowFunctionExpression()) return raw('arguments');
    const items = fnPath.node.params.map((param) => {
      if (t.isIdentifier(param)) return own(t.cloneNode(param));
      if (t.isAssignmentPattern(param) && t.isIdentifier(param.left)) return own(t.cloneNode(param.left));
      if (t.isRestElement(param) && t.isIdentifier(param.argument)) return t.spreadElement(own(t.cloneNode(param.argument)));
      return t.identifier('undefined');
    });
    return t.arrayExpression(items);
  }

  function wrapFunction(state, fnPath, info) {
    const node = fnPath.node;
    if (t.isExpression(node.body)) {
      node.body = t.blockStatement([own(t.returnStatement(helper(state, 'r', [raw(info.frame), node.body])))]);
    }
    const body = node.body;
    // Each catch clause has its own scope: one name serves every function.
    const error = t.identifier('__cw$e');
    const guarded = t.tryStatement(
      t.blockStatement(body.body),
      t.catchClause(error, t.blockStatement([t.throwStatement(helper(state, 'x', [raw(info.frame), t.cloneNode(error)]))])),
      t.blockStatement([t.expressionStatement(helper(state, 'l', [raw(info.frame)]))]),
    );
    const enter = t.variableDeclaration('const', [
      t.variableDeclarator(raw(info.frame), helper(state, 'e', [info.site, argumentsOf(fnPath)])),
    ]);
    if (node.async) {
      // The body runs as an async arrow (same `this`, `arguments`, `super`):
      // the function returns that arrow's promise, and its exit is
      // recorded when the promise settles.
      node.async = false;
      const task = t.arrowFunctionExpression([], t.blockStatement([guarded]), true);
      body.body = [enter, t.returnStatement(helper(state, 't', [raw(info.frame), own(t.callExpression(task, []))]))];
    } else {
      body.body = [enter, guarded];
    }
  }

  const visitor = {
    Function: {
      enter(path, state) {
        const name = ownName(path);
        const outer = state.cw.functions[state.cw.functions.length - 1];
        const qualified = outer && outer.name !== '<module>' ? `${outer.name}.<locals>.${name}` : name;
        const info = {
          name: qualified,
          frame: `__cw$f${(state.cw.frames += 1)}`,
          instrumented: eligible(path) && !path.node._cw,
          async: path.node.async && !path.node.generator,
          site: null,
        };
        info.site = site(state, path.node, { fn: qualified, name, params: parameterNames(path.node) });
        for (const binding of state.cw.closures.get(path.node) || []) state.cw.closureOwner.set(binding, info);
        state.cw.functions.push(info);
        state.cw.byNode.set(path.node, info);
      },
      exit(path, state) {
        const info = state.cw.functions.pop();
        if (info.instrumented) wrapFunction(state, path, info);
      },
    },

    ReturnStatement(path, state) {
      if (path.node._cw) return;
      const fn = path.getFunctionParent();
      if (fn === null) return;
      const info = state.cw.byNode.get(fn.node);
      if (!info || !info.instrumented) return;
      own(path.node);
      path.node.argument = helper(state, 'r', [raw(info.frame), path.node.argument || t.identifier('undefined')]);
    },

    AwaitExpression(path, state) {
      if (path.node._cw) return;
      const fn = path.getFunctionParent();
      let frame = own(t.nullLiteral());
      if (fn !== null) {
        const info = state.cw.byNode.get(fn.node);
        if (fn.node.generator) return; // async generators: left as they are
        if (info && info.instrumented) frame = raw(info.frame);
      }
      const waited = own(t.awaitExpression(helper(state, 'a', [frame, path.node.argument, site(state, path.node)])));
      path.replaceWith(helper(state, 'w', [t.cloneNode(frame), waited]));
    },

    NewExpression(path, state) {
      const node = path.node;
      if (node._cw || !t.isIdentifier(node.callee, { name: 'Promise' }) || path.scope.hasBinding('Promise', true)) return;
      if (node.arguments.length !== 1 || t.isSpreadElement(node.arguments[0])) return;
      path.replaceWith(helper(state, 'p', [node.arguments[0]]));
    },

    CallExpression(path, state) {
      const node = path.node;
      if (node._cw || !instrumentableMember(node.callee) || node.callee.computed) return;
      if (!COLLECTION_METHODS.has(node.callee.property.name)) return;
      const callee = node.callee;
      path.replaceWith(helper(state, 'm', [site(state, node, { name: callee.property.name }), callee.object, t.stringLiteral(callee.property.name), ...node.arguments]));
    },

    MemberExpression(path, state) {
      const node = path.node;
      if (!instrumentableMember(node)) return;
      const parent = path.parentPath;
      if (parent.isCallExpression({ callee: node }) || parent.isOptionalCallExpression({ callee: node })) return;
      if (parent.isNewExpression({ callee: node }) || parent.isTaggedTemplateExpression({ tag: node })) return;
      if (parent.isAssignmentExpression({ left: node }) || parent.isUpdateExpression() || parent.isUnaryExpression({ operator: 'delete' })) return;
      if (parent.isForXStatement({ left: node }) || parent.isArrayPattern() || parent.isObjectProperty({ value: node }) && parent.parentPath.isObjectPattern() || parent.isAssignmentPattern({ left: node }) || parent.isRestElement()) return;
      if (path.findParent((p) => p.isTSType && p.isTSType())) return;
      path.replaceWith(helper(state, 'g', [node.object, memberKey(node), site(state, node, { name: keyName(node.property, node.computed) ?? '' })]));
    },

    AssignmentExpression(path, state) {
      const node = path.node;
      if (node._cw) return;
      const left = node.left;
      if (instrumentableMember(left)) {
        const where = site(state, node, { name: keyName(left.property, left.computed) ?? '' });
        if (node.operator === '=') {
          path.replaceWith(helper(state, 's', [left.object, memberKey(left), node.right, where]));
          return;
        }
        const [objFirst, objAgain] = once(path, left.object);
        const [keyFirst, keyAgain] = left.computed ? once(path, left.property) : [t.stringLiteral(left.property.name), t.stringLiteral(left.property.name)];
        const op = node.operator.slice(0, -1);
        if (op === '&&' || op === '||' || op === '??') {
          // o.x ||= v: read, and write only when the operator says so.
          const current = helper(state, 'g', [objFirst, keyFirst, again(where)]);
          path.replaceWith(own(t.logicalExpression(op, current, helper(state, 's', [objAgain, keyAgain, node.right, where]))));
        } else {
          // o.x += v: o (and k) evaluated once, first; then the read, v, the write.
          const current = helper(state, 'g', [objAgain, keyAgain, again(where)]);
          path.replaceWith(helper(state, 's', [objFirst, keyFirst, own(t.binaryExpression(op, current, node.right)), where]));
        }
        return;
      }
      if (t.isIdentifier(left)) {
        const share = sharing(state, path, left.name);
        if (share === null) return;
        const target = raw(left.name);
        if (node.operator === '=') {
          path.replaceWith(writeHelper(state, path, share, own(t.assignmentExpression('=', target, node.right)), node));
          return;
        }
        const op = node.operator.slice(0, -1);
        const current = readHelper(state, path, share, raw(left.name), node);
        if (op === '&&' || op === '||' || op === '??') {
          path.replaceWith(own(t.logicalExpression(op, current, writeHelper(state, path, share, own(t.assignmentExpression('=', target, node.right)), node))));
        } else {
          path.replaceWith(writeHelper(state, path, share, own(t.assignmentExpression('=', target, own(t.binaryExpression(op, current, node.right)))), node));
        }
      }
    },

    UpdateExpression(path, state) {
      const node = path.node;
      if (node._cw) return;
      const arg = node.argument;
      const delta = t.numericLiteral(node.operator === '++' ? 1 : -1);
      if (instrumentableMember(arg)) {
        path.replaceWith(helper(state, 'u', [arg.object, memberKey(arg), delta, t.booleanLiteral(node.prefix), site(state, node, { name: keyName(arg.property, arg.computed) ?? '' })]));
        return;
      }
      if (t.isIdentifier(arg)) {
        const share = sharing(state, path, arg.name);
        if (share === null) return;
        const read = readHelper(state, path, share, raw(arg.name), node);
        const update = own(t.updateExpression(node.operator, raw(arg.name), node.prefix));
        if (node.prefix) {
          path.replaceWith(t.sequenceExpression([read, writeHelper(state, path, share, update, node)]));
        } else {
          const tmp = temporary(path);
          path.replaceWith(t.sequenceExpression([
            read,
            own(t.assignmentExpression('=', own(t.cloneNode(tmp)), update)),
            writeHelper(state, path, share, raw(arg.name), node),
            own(t.cloneNode(tmp)),
          ]));
        }
      }
    },

    UnaryExpression(path, state) {
      const node = path.node;
      if (node._cw || node.operator !== 'delete' || !instrumentableMember(node.argument)) return;
      const arg = node.argument;
      path.replaceWith(helper(state, 'd', [arg.object, memberKey(arg), site(state, node, { name: keyName(arg.property, arg.computed) ?? '' })]));
    },

    VariableDeclarator(path, state) {
      // `const {a, b: c} = obj`: reads of obj.a and obj.b.
      const node = path.node;
      if (node._cw || !t.isObjectPattern(node.id) || !node.init) return;
      const keys = [];
      for (const prop of node.id.properties) {
        if (!t.isObjectProperty(prop)) continue;
        const key = keyName(prop.key, prop.computed);
        if (key !== null) keys.push(t.stringLiteral(key));
      }
      if (keys.length === 0) return;
      own(node);
      node.init = helper(state, 'o', [node.init, t.arrayExpression(keys), site(state, node)]);
    },

    Identifier(path, state) {
      const node = path.node;
      if (node._cw || !path.isReferencedIdentifier()) return;
      const parent = path.parentPath;
      if (parent.isExportSpecifier() || parent.isUpdateExpression() || parent.isAssignmentExpression({ left: node })) return;
      if (parent.isUnaryExpression({ operator: 'typeof' })) return;
      if (path.findParent((p) => p.isTSType && p.isTSType())) return;
      const share = sharing(state, path, node.name);
      if (share === null) return;
      // A parameter default runs before the owner's frame exists.
      if (share.kind === 'closure' && path.findParent((p) => p.listKey === 'params')) return;
      path.replaceWith(readHelper(state, path, share, raw(node.name), node));
    },
  };

  return {
    name: 'causeway-recorder',
    visitor: {
      Program: {
        enter(programPath, state) {
          const code = state.file.code || '';
          if (code.includes(MARK)) return;
          const filename = state.filename || state.file.opts.filename || 'unknown.js';
          const root = nodePath.resolve(options.root || process.cwd());
          let rel = nodePath.relative(root, filename);
          if (rel.startsWith('..') || nodePath.isAbsolute(rel)) rel = filename;
          rel = rel.split(nodePath.sep).join('/');
          const language = options.language || (/\.[cm]?tsx?$/.test(filename) ? 'typescript' : 'javascript');
          state.cw = { sites: [], functions: [], byNode: new WeakMap(), closureOwner: new Map(), moduleState: moduleState(programPath), closures: closureState(programPath), frames: 0, temps: 0 };
          currentState = state;
          programPath.traverse(visitor, state);
          const isModule = programPath.node.sourceType === 'module';
          const prelude = [];
          const sitesCall = t.callExpression(t.memberExpression(t.identifier(RT), t.identifier('sites')), [
            t.stringLiteral(rel),
            t.stringLiteral(rel),
            t.stringLiteral(language),
            t.valueToNode(state.cw.sites),
          ]);
          let runtime;
          if ((options.runtime || 'import') === 'import') {
            if (isModule) {
              const local = t.identifier('__cw$runtime');
              prelude.push(t.importDeclaration([t.importDefaultSpecifier(local)], t.stringLiteral('causeway-recorder/runtime')));
              runtime = t.identifier('__cw$runtime');
            } else {
              runtime = t.callExpression(t.identifier('require'), [t.stringLiteral('causeway-recorder/runtime')]);
            }
          } else {
            runtime = t.memberExpression(t.identifier('globalThis'), t.identifier('__causeway'));
          }
          prelude.push(t.variableDeclaration('var', [t.variableDeclarator(t.identifier(RT), runtime)]));
          prelude.push(t.variableDeclaration('var', [t.variableDeclarator(t.identifier(SITES), sitesCall)]));
          programPath.unshiftContainer('body', prelude);
          programPath.addComment('leading', ` ${MARK} `, false);
          programPath.scope.crawl();
        },
      },
    },
  };
};

module.exports.MARK = MARK;
