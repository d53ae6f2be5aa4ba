"""Field coverage of a corpus of Lyra answers: walks each JSON document along openapi/lyra-v4.yaml (following `_type`) and counts the (component, field) pairs observed and declared.

Usage: python3 openapi/tools/corpus_coverage.py openapi/lyra-v4.yaml auto tests/fixtures/lyra/{Payment,WebServiceResponse}/*.json
"""
import json, sys, yaml, glob, os, collections
spec = yaml.safe_load(open(sys.argv[1]))
S = spec['components']['schemas']
TYPE_MAP = {}
for name, m in S['Answer']['discriminator']['mapping'].items():
    TYPE_MAP[name] = m.split('/')[-1]
observed = collections.defaultdict(set)   # (component, field) -> sources
undeclared = collections.defaultdict(lambda: collections.defaultdict(set))  # (comp, field) -> jsontype -> sources
clash = collections.defaultdict(set)
enumvals = collections.defaultdict(set)
def jt(v):
    return {dict:'object', list:'array', str:'string', bool:'boolean', type(None):'null', int:'integer', float:'number'}[type(v)]
def resolve(s):
    while True:
        if '$ref' in s: s = S[s['$ref'].split('/')[-1]]; continue
        if 'allOf' in s and len(s['allOf']) == 1 and 'properties' not in s:
            s = s['allOf'][0]; continue
        return s
def compname(s):
    while True:
        if '$ref' in s: return s['$ref'].split('/')[-1]
        if 'allOf' in s: s = s['allOf'][0]; continue
        return None
def walk(schema, v, comp, src, path):
    if v is None: return
    if schema is None: return
    c = compname(schema) or comp
    s = resolve(schema)
    if 'oneOf' in s and isinstance(v, dict):
        t = v.get('_type')
        target = TYPE_MAP.get(t)
        if target: return walk({'$ref': '#/components/schemas/'+target}, v, target, src, path)
        return
    if 'enum' in s and isinstance(v, str):
        if v not in s['enum']: enumvals[(c, path)].add(v)
    ty = s.get('type')
    if ty and ty != jt(v) and not (ty == 'number' and jt(v) == 'integer') and s != {}:
        clash[(c, path, ty, jt(v), json.dumps(v)[:40])].add(src)
    if isinstance(v, dict) and 'properties' in s:
        for k, x in v.items():
            observed[(c, k)].add(src)
            if k in s['properties']:
                walk(s['properties'][k], x, c, src, path + '/' + k)
            else:
                undeclared[(c, k)][jt(x)].add(src)
    elif isinstance(v, list) and 'items' in s:
        for x in v: walk(s['items'], x, c, src, path + '/[]')
docs = []
for f in sys.argv[3:]:
    d = json.load(open(f))
    root = sys.argv[2] if sys.argv[2] != 'auto' else None
    if root is None:
        root = 'WebServiceResponse' if d.get('_type') == 'V4/WebService/Response' else TYPE_MAP.get(d.get('_type'), 'Payment')
    walk({'$ref': '#/components/schemas/'+root}, d, root, os.path.basename(f), '')
print("UNDECLARED")
for (c, k), tys in sorted(undeclared.items()):
    print(f"  {c}.{k}: {dict((t, len(s)) for t, s in tys.items())} e.g. {sorted(set().union(*tys.values()))[:2]}")
print("CLASH")
for k, s in sorted(clash.items()): print("  ", k, sorted(s)[:2])
print("ENUM")
for k, s in sorted(enumvals.items()): print("  ", k, s)
decl = sum(1 for (c,k) in observed if (c,k) not in undeclared)
print(f"observed pairs {len(observed)}, declared {decl}")
