#!/usr/bin/env python3
"""Generates PanamaLoops.java, the loops of PanamaKernels with their math inline, and PanamaBlocks.java, the float32
register blocks of the batched product (--check: verify, write nothing).

The vector approximations (tanh, exp, expm1, sigmoid, log1p, erfc) must be written inline in every
loop: a vector passed to a method C2 does not inline is boxed (see the PanamaKernels class
comment). This script writes those copies from one definition each, plus the scalar tails that
call ScalarApprox. Edit the math here, run `python3 kernels/tools/generate_loops.py`, then
`./panama test` (the property tests pin every copy to the specification). Not part of the build.
"""
import os
import re


def B(c):  # broadcast constant
    return f'FloatVector.broadcast(S, {c})'

def tanh(x, out, p):
    return f'''FloatVector {p}x2 = {x}.mul({x});
FloatVector {p}p = {p}x2.fma(TA13, TA11).fma({p}x2, {B('TA9')}).fma({p}x2, {B('TA7')}).fma({p}x2, {B('TA5')})
        .fma({p}x2, {B('TA3')}).fma({p}x2, {B('TA1')}).mul({x});
FloatVector {p}q = {p}x2.fma(TB6, TB4).fma({p}x2, {B('TB2')}).fma({p}x2, {B('TB0')});
FloatVector {p}a = {x}.abs();
FloatVector {out} = {p}p.div({p}q).blend({x}, {p}a.compare(LT, TANH_TINY))
        .blend({x}.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), {p}a.compare(GE, TANH_SATURATE));
'''
def reduce(x, p, lo, hi):
    return f'''FloatVector {p}c = {x}.blend({hi}, {x}.compare(GT, {hi})).blend({lo}, {x}.compare(LT, {lo}));
FloatVector {p}t = {p}c.fma(LOG2E, ROUND_MAGIC);
FloatVector {p}n = {p}t.sub(ROUND_MAGIC);
FloatVector {p}r = {p}n.fma({B('-LN2_HI')}, {p}c);
{p}r = {p}n.fma({B('-LN2_LO')}, {p}r);
FloatVector {p}q = {p}r.fma(EP0, EP1).fma({p}r, {B('EP2')}).fma({p}r, {B('EP3')}).fma({p}r, {B('EP4')}).fma({p}r, {B('EP5')})
        .fma({p}r.mul({p}r), {p}r);
IntVector {p}i = {p}t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
'''
def exp(x, out, p):
    return reduce(x, p, 'EXP_LO', 'EXP_HI') + f'''IntVector {p}h = {p}i.lanewise(ASHR, 1);
FloatVector {out} = {p}q.add(1f).mul({p}h.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
        .mul({p}i.sub({p}h).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
'''
def expm1(x, out, p):
    return reduce(x, p, 'EXPM1_LO', 'EXPM1_HI') + f'''FloatVector {p}s = {p}i.add(127).lanewise(LSHL, 23).reinterpretAsFloats();
FloatVector {out} = {p}s.fma({p}q, {p}s.sub(1f));
'''
def sigmoid(x, out, p):
    return exp(f'{x}.abs().neg()', f'{p}e', p+'e') + f'''FloatVector {out} = {B('1f')}.blend({p}e, {x}.compare(LT, 0f)).div({p}e.add(1f));
'''

def sigmoid_fast(x, out, p):
    return f"""FloatVector {p}m = {x}.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
FloatVector {p}c = {p}m.blend(SIG_CLAMP, {p}m.compare(LT, SIG_CLAMP));
FloatVector {p}t = {p}c.fma(LOG2E, ROUND_MAGIC);
FloatVector {p}n = {p}t.sub(ROUND_MAGIC);
FloatVector {p}r = {p}n.fma({B('-LN2_HI')}, {p}c);
{p}r = {p}n.fma({B('-LN2_LO')}, {p}r);
FloatVector {p}e = {p}r.fma(EP0, EP1).fma({p}r, {B('EP2')}).fma({p}r, {B('EP3')}).fma({p}r, {B('EP4')}).fma({p}r, {B('EP5')})
        .fma({p}r.mul({p}r), {p}r).add(1f)
        .mul({p}t.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
FloatVector {out} = {B('1f')}.blend({p}e, {x}.compare(LT, 0f)).div({p}e.add(1f));
"""

def log1p_unit(y, out, p):
    return f'''FloatVector {p}u = {y}.add(1f);
VectorMask<Float> {p}big = {p}u.compare(GT, SQRT2);
FloatVector {p}f = {p}u.blend({p}u.mul(0.5f), {p}big).sub(1f);
FloatVector {p}e = {B('0f')}.blend(1f, {p}big);
FloatVector {p}z = {p}f.mul({p}f);
FloatVector {p}p = {p}f.fma(LP0, LP1).fma({p}f, {B('LP2')}).fma({p}f, {B('LP3')}).fma({p}f, {B('LP4')}).fma({p}f, {B('LP5')})
        .fma({p}f, {B('LP6')}).fma({p}f, {B('LP7')}).fma({p}f, {B('LP8')}).mul({p}f).mul({p}z);
{p}p = {p}p.add({p}e.mul(LN2_LO)).add({p}z.mul(-0.5f));
FloatVector {out} = {p}f.add({p}p).add({p}e.mul(LN2_HI)).add({y}.sub({p}u.sub(1f)).div({p}u));
'''
def erfc_nonneg(z, out, p):
    return f'''FloatVector {p}t = {B('1f')}.div({z}.fma(0.5f, 1f));
FloatVector {p}p = {p}t.fma(ERFC9, ERFC8).fma({p}t, {B('ERFC7')}).fma({p}t, {B('ERFC6')}).fma({p}t, {B('ERFC5')})
        .fma({p}t, {B('ERFC4')}).fma({p}t, {B('ERFC3')}).fma({p}t, {B('ERFC2')}).fma({p}t, {B('ERFC1')}).fma({p}t, {B('ERFC0')});
FloatVector {p}hi = {z}.mul({z});
FloatVector {p}lo = {z}.fma({z}, {p}hi.neg());
''' + exp(f'{p}hi.neg()', f'{p}e1', p+'a') + exp(f'{p}p.sub({p}lo)', f'{p}e2', p+'b') + f'''FloatVector {out} = {p}t.mul({p}e1).mul({p}e2);
'''

def ind(code, n):
    return ''.join((' '*n + l + '\n') if l.strip() else '\n' for l in code.splitlines())

def LOAD(a, off, i='i', n='n'):
    return f'FloatVector.fromArray(S, {a}, {off} + {i})'
def STORE(v, a, off, i='i', n='n'):
    return f'{v}.intoArray({a}, {off} + {i});\n'

def elementwise(name, doc, params, body, out='r', extra_before='', loads=None):
    """Loop over whole vectors i < n (a multiple of L): x from s[so + i], out to d[dof + i]."""
    code = f'''    /** {doc} Whole vectors: {{@code n}} is a multiple of the lane count. */
    private static void {name}(float[] s, int so, float[] d, int dof, int n{params}) {{
{extra_before}        for (int i = 0; i < n; i += L) {{
            FloatVector x = {LOAD('s', 'so')};
{ind(body, 12)}{ind(STORE(out, 'd', 'dof'), 12)}        }}
    }}

'''
    return code

parts=[]
parts.append(elementwise('tanhLoop','{@code tanh(x)}.','',tanh('x','r','t')))
parts.append(elementwise('scaledTanhLoop','{@code alpha * tanh(beta * x)}.',', float alpha, float beta',
    'FloatVector bx = x.mul(beta);\n'+tanh('bx','t0','t')+'FloatVector r = t0.mul(alpha);\n'))
parts.append(elementwise('sigmoidLoop','{@code 1 / (1 + exp(-x))}.','',sigmoid_fast('x','r','s')))
parts.append(elementwise('swishLoop','{@code x * sigmoid(x)}, 0 at -Inf.','',sigmoid('x','sg','s')+'FloatVector r = x.mul(sg).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));\n'))
parts.append(elementwise('exponentialLoop','{@code exp(x)}.','',exp('x','r','e')))
parts.append(elementwise('eluLoop','{@code scale * (x > 0 ? x : alpha * expm1(x))}: ELU with scale 1, SELU with its constants.',', float alpha, float scale',
    expm1('x','em','m')+'FloatVector r = x.blend(em.mul(alpha), x.compare(LE, 0f)).mul(scale);\n'))
parts.append(elementwise('softplusLoop','{@code max(x, 0) + log1p(exp(-|x|))}: no overflow, no cancellation.','',
    exp('x.abs().neg()','ex','e')+log1p_unit('ex','lp','lg')+'FloatVector r = x.blend(0f, x.compare(LT, 0f)).add(lp);\n'))
parts.append(elementwise('geluLoop','{@code x * Phi(x)}, Phi from erfc of {@code |x|/sqrt(2)}: no cancellation in either tail.','',
    'FloatVector za = x.abs().mul(INV_SQRT2);\nFloatVector z = za.blend(ERFC_ZMAX, za.compare(GT, ERFC_ZMAX));\n'+erfc_nonneg('z','ec','c')+'FloatVector half = ec.mul(0.5f);\nFloatVector phi = half.neg().add(1f).blend(half, x.compare(LT, 0f));\nFloatVector r = x.mul(phi).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));\n'))
parts.append(elementwise('mishLoop','{@code x * tanh(softplus(x))} as {@code x * n/(n+2)}, {@code n = e(e+2)}, {@code e = exp(min(x, 20))}: no cancellation; 0 at -Inf.','',
    'FloatVector mc = x.blend(20f, x.compare(GT, 20f));\n'+exp('mc','me','e')+'FloatVector mn = me.mul(me.add(2f));\nFloatVector r = x.mul(mn.div(mn.add(2f))).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));\n'))
parts.append(elementwise('geluTanhLoop','{@code 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))} as {@code x * sigmoid(x(C1 + C3 x^2))}: no cancellation; 0 at -Inf.','',
    'FloatVector gz = x.mul(x).fma(GELU_C3, GELU_C1).mul(x);\n'+sigmoid('gz','sg','s')+'FloatVector r = x.mul(sg).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));\n'))
parts.append(elementwise('logSigmoidLoop','{@code -softplus(-x) = min(x, 0) - log1p(exp(-|x|))}.','',
    exp('x.abs().neg()','ex','e')+log1p_unit('ex','lp','lg')+'FloatVector r = x.blend(0f, x.compare(GT, 0f)).sub(lp);\n'))
parts.append(elementwise('hardSiluLoop','{@code x * clip(alpha*x + beta, 0, 1)}; 0 at -Inf.',', float alpha, float beta',
    'FloatVector v = x.fma(alpha, beta);\nv = v.blend(0f, v.compare(LT, 0f)).blend(1f, v.compare(GT, 1f));\nFloatVector r = x.mul(v).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));\n'))
parts.append(elementwise('softShrinkLoop','{@code x - t} above {@code t}, {@code x + t} below {@code -t}, else 0; NaN stays NaN.',', float t',
    'FloatVector r = x.blend(x.sub(t), x.compare(GT, t)).blend(x.add(t), x.compare(LT, -t)).blend(0f, x.abs().compare(LE, t));\n'))
parts.append(elementwise('hardShrinkLoop','{@code |x| > t ? x : 0}; NaN stays NaN.',', float t',
    'FloatVector r = x.blend(0f, x.abs().compare(LE, t));\n'))
parts.append(elementwise('softsignLoop','{@code x / (1 + |x|)}, +-1 at +-Inf.','',
    'FloatVector ax = x.abs();\nFloatVector r = x.div(ax.add(1f)).blend(x.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), ax.compare(EQ, Float.POSITIVE_INFINITY));\n'))
parts.append(elementwise('affineLoop','{@code min(max(alpha*x + beta, lo), hi)} (hard sigmoid with [0, 1]); NaN stays NaN.',', float alpha, float beta, float lo, float hi',
    'FloatVector v = x.fma(alpha, beta);\nFloatVector r = v.blend(lo, v.compare(LT, lo)).blend(hi, v.compare(GT, hi));\n'))
parts.append(elementwise('leakyReluLoop','{@code x < 0 ? slope*x : x} (relu when {@code slope == 0}).',', float slope',
    'FloatVector r = x.blend(x.mul(slope), x.compare(LT, 0f));\n'))
parts.append(elementwise('thresholdedReluLoop','{@code x > alpha ? x : 0}; NaN stays NaN.',', float alpha',
    'FloatVector r = x.blend(0f, x.compare(LE, alpha));\n'))

# LSTM fused: passes of at most one sigmoid and one tanh each, small enough for C1 (see PanamaKernels).
lstm = f"""    /**
     * The LSTM update (canonical gates [i | f | g | o]) as three passes over a row, each with its
     * activations inline and all data in L1: {{@code i*g}} into the g block, then {{@code c'}} in
     * place, then {{@code h}}. Peepholes are zeros when the cell has none; a cell clip of +Inf
     * changes nothing.
     */
    private static void lstmFused(LstmGates g, int batch, float[] gates, int gOff, float[] c, int cOff, float[] h, int hOff) {{
        final int u = g.units;
        for (int b = 0; b < batch; b++) {{
            final int gi = gOff + b * 4 * u;
            final int co = cOff + b * u;
            lstmInputPass(u, u, 1, gates, gi, g.peepholes, 0, c, co);
            lstmCellPass(u, u, 1, gates, gi, g.peepholes, 0, g.forgetBias, g.cellClip, c, co);
            lstmOutputPass(u, u, 1, gates, gi + 3 * u, g.peepholes, 0, c, co, h, hOff + b * u);
        }}
    }}

    /**
     * {{@code sigmoid(zi + pi*c) * tanh(zg)}} into the g block, for {{@code n}} units of gates {{@code u}} apart, in
     * {{@code rows}} consecutive rows (gate rows {{@code 4u}} apart, state rows {{@code u}}); the passes below alike: a whole row
     * is {{@code n == u}}; peepholes from {{@code p[pOff ..]}}. Several rows per call load the constants once for them all.
     */
    private static void lstmInputPass(int u, int n, int rows, float[] gates, int gi, float[] p, int pOff, float[] c, int co) {{
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {{
            FloatVector zi = {LOAD('p','pOff','j','u')}.fma({LOAD('c','co','j','u')}, {LOAD('gates','gi','j','u')});
            FloatVector zg = {LOAD('gates','gi + 2 * u','j','u')};
{ind(sigmoid_fast('zi','ig','si'),12)}{ind(tanh('zg','gg','tg'),12)}            FloatVector v = ig.mul(gg);
{ind(STORE('v','gates','gi + 2 * u','j','u'),12)}        }}
    }}

    /** {{@code c' = clip(sigmoid(zf + fb + pf*c) * c + i*g)}}, in place. */
    private static void lstmCellPass(int u, int n, int rows, float[] gates, int gi, float[] p, int pOff, float fb, float clip, float[] c, int co) {{
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {{
            FloatVector cp = {LOAD('c','co','j','u')};
            FloatVector zf = {LOAD('p','pOff + u','j','u')}.fma(cp, {LOAD('gates','gi + u','j','u')}).add(fb);
{ind(sigmoid_fast('zf','fg','sf'),12)}            FloatVector cn = fg.fma(cp, {LOAD('gates','gi + 2 * u','j','u')});
            cn = cn.blend(clip, cn.compare(GT, clip)).blend(-clip, cn.compare(LT, -clip));
{ind(STORE('cn','c','co','j','u'),12)}        }}
    }}

    /** {{@code h = sigmoid(zo + po*c') * tanh(c')}}. */
    private static void lstmOutputPass(int u, int n, int rows, float[] gates, int go, float[] p, int pOff, float[] c, int co, float[] h, int ho) {{
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {{
            FloatVector cn = {LOAD('c','co','j','u')};
            FloatVector zo = {LOAD('p','pOff + 2 * u','j','u')}.fma(cn, {LOAD('gates','go','j','u')});
{ind(sigmoid_fast('zo','og','so'),12)}{ind(tanh('cn','tc','tc'),12)}            FloatVector hn = og.mul(tc);
{ind(STORE('hn','h','ho','j','u'),12)}        }}
    }}

"""
parts.append(lstm)

gru_after = f"""    /**
     * Reset-after GRU as three passes over a row (at most one sigmoid and one tanh each): {{@code z}}
     * into {{@code gx}}'s z block, the candidate pre-activation {{@code xn + r*hn}} into its n block,
     * then {{@code h' = n + z*(h - n)}} with {{@code n = tanh(...)}}. {{@code gx}} is scratch.
     */
    private static void gruResetAfterFused(GruGates g, int batch, float[] gx, int gxOff, float[] gh, int ghOff,
                                           float[] hPrev, int hPrevOff, float[] hOut, int hOutOff) {{
        final int u = g.units;
        for (int b = 0; b < batch; b++) {{
            final int xo = gxOff + b * 3 * u;
            final int ho = ghOff + b * 3 * u;
            sigmoidSumPass(u, u, 1, gx, xo, gh, ho);
            gruResetPass(u, u, 1, gx, xo, gh, ho);
            gruTanhBlendPass(u, u, 1, gx, xo, hPrev, hPrevOff + b * u, hOut, hOutOff + b * u);
        }}
    }}

    /** {{@code gx[xo+j] = sigmoid(gx[xo+j] + gh[ho+j])}} for {{@code n}} units of {{@code rows}} rows ({{@code 3u}} apart). */
    private static void sigmoidSumPass(int u, int n, int rows, float[] gx, int xo, float[] gh, int ho) {{
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {{
            FloatVector zz = {LOAD('gx','xo','j','u')}.add({LOAD('gh','ho','j','u')});
{ind(sigmoid_fast('zz','z','sz'),12)}{ind(STORE('z','gx','xo','j','u'),12)}        }}
    }}

    /** {{@code xn + sigmoid(xr + hr) * hn}} into the n block of {{@code gx}}, for {{@code n}} units of gates {{@code u}} apart. */
    private static void gruResetPass(int u, int n, int rows, float[] gx, int xo, float[] gh, int ho) {{
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {{
            FloatVector zr = {LOAD('gx','xo + u','j','u')}.add({LOAD('gh','ho + u','j','u')});
{ind(sigmoid_fast('zr','r','sr'),12)}            FloatVector zn = r.fma({LOAD('gh','ho + 2 * u','j','u')}, {LOAD('gx','xo + 2 * u','j','u')});
{ind(STORE('zn','gx','xo + 2 * u','j','u'),12)}        }}
    }}

    /** {{@code h' = n + z*(h - n)}}, {{@code z}} activated at {{@code go}}, {{@code n = tanh(gates[go+2u..])}}, for {{@code n}} units. */
    private static void gruTanhBlendPass(int u, int n, int rows, float[] gates, int go, float[] hPrev, int po, float[] hOut, int oo) {{
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {{
            FloatVector zn = {LOAD('gates','go + 2 * u','j','u')};
{ind(tanh('zn','nn','tn'),12)}            FloatVector hp = {LOAD('hPrev','po','j','u')};
            FloatVector hn = {LOAD('gates','go','j','u')}.fma(hp.sub(nn), nn);
{ind(STORE('hn','hOut','oo','j','u'),12)}        }}
    }}

"""
parts.append(gru_after)

gru_rh = f'''    /** Reset-before GRU, first half: {{@code rh = sigmoid(zr) * h}}. */
    private static void gruResetHiddenFused(int u, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff, float[] rh, int rhOff) {{
        for (int b = 0; b < batch; b++) {{
            gruResetHiddenPass(u, u, 1, gates, gOff + b * 3 * u + u, hPrev, hPrevOff + b * u, rh, rhOff + b * u);
        }}
    }}

    /** {{@code rh = sigmoid(zr) * h}} for {{@code n}} units of {{@code rows}} rows. */
    private static void gruResetHiddenPass(int u, int n, int rows, float[] gates, int ro, float[] hPrev, int po, float[] rh, int oo) {{
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {{
            FloatVector zr = {LOAD('gates','ro','j','u')};
{ind(sigmoid_fast('zr','r','sr'),12)}            FloatVector v = r.mul({LOAD('hPrev','po','j','u')});
{ind(STORE('v','rh','oo','j','u'),12)}        }}
    }}

    /** Reset-before GRU, second half: {{@code h' = n + z*(h - n)}} with {{@code z = sigmoid(zz)}}, {{@code n = tanh(zn)}}. */
    private static void gruResetBeforeFused(int u, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff, float[] hOut, int hOutOff) {{
        for (int b = 0; b < batch; b++) {{
            gruResetBeforePass(u, u, 1, gates, gOff + b * 3 * u, hPrev, hPrevOff + b * u, hOut, hOutOff + b * u);
        }}
    }}

    /** The reset-before update of {{@code n}} units of {{@code rows}} rows, gates {{@code u}} apart. */
    private static void gruResetBeforePass(int u, int n, int rows, float[] gates, int go, float[] hPrev, int po, float[] hOut, int oo) {{
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {{
            FloatVector zz = {LOAD('gates','go','j','u')};
            FloatVector zn = {LOAD('gates','go + 2 * u','j','u')};
{ind(sigmoid_fast('zz','z','sz'),12)}{ind(tanh('zn','nn','tn'),12)}            FloatVector hp = {LOAD('hPrev','po','j','u')};
            FloatVector hn = z.fma(hp.sub(nn), nn);
{ind(STORE('hn','hOut','oo','j','u'),12)}        }}
    }}

'''
parts.append(gru_rh)

# arithmetic helpers of general paths
def arith(name, doc, sig, body, n='n'):
    return f'''    /** {doc} */
    private static void {name}({sig}) {{
        for (int i = 0; i < {n}; i += L) {{
{ind(body,12)}        }}
    }}

'''
parts.append(arith('fmaInto','{@code d[dOff+i] += a[aOff+i] * b[bOff+i]}.','float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n',
    f'FloatVector v = {LOAD("a","aOff")}.fma({LOAD("b","bOff")}, {LOAD("d","dOff")});\n'+STORE('v','d','dOff')))
parts.append(arith('mulInto','{@code d[dOff+i] *= a[aOff+i]}.','float[] d, int dOff, float[] a, int aOff, int n',
    f'FloatVector v = {LOAD("d","dOff")}.mul({LOAD("a","aOff")});\n'+STORE('v','d','dOff')))
parts.append(arith('addInto','{@code d[dOff+i] += a[aOff+i]}.','float[] d, int dOff, float[] a, int aOff, int n',
    f'FloatVector v = {LOAD("d","dOff")}.add({LOAD("a","aOff")});\n'+STORE('v','d','dOff')))
parts.append(arith('addScalar','{@code d[off+i] += s}.','float[] d, int off, int n, float s',
    f'FloatVector v = {LOAD("d","off")}.add(s);\n'+STORE('v','d','off')))
parts.append(arith('oneMinus','{@code d[dOff+i] = 1 - a[aOff+i]}.','float[] a, int aOff, float[] d, int dOff, int n',
    f'FloatVector v = {LOAD("a","aOff")}.neg().add(1f);\n'+STORE('v','d','dOff')))
parts.append(arith('lstmCombine','{@code c = clip(f*c + i*g)} from activated gates at {@code gi} (i), {@code gi+u} (f), {@code gi+2u} (g).',
    'float[] gates, int gi, float[] c, int co, int n, float clip',
    f'FloatVector v = {LOAD("gates","gi + n")}.fma({LOAD("c","co")}, {LOAD("gates","gi")}.mul({LOAD("gates","gi + 2 * n")}));\nv = v.blend(clip, v.compare(GT, clip)).blend(-clip, v.compare(LT, -clip));\n'+STORE('v','c','co')))
parts.append(arith('gruBlend','{@code hOut = n + z*(h - n)} from activated {@code z} at {@code zo} and {@code n} at {@code no}.',
    'float[] gates, int zo, int no, float[] hPrev, int po, float[] hOut, int oo, int n',
    f'FloatVector nn = {LOAD("gates","no")};\nFloatVector v = {LOAD("gates","zo")}.fma({LOAD("hPrev","po")}.sub(nn), nn);\n'+STORE('v','hOut','oo')))
parts.append(arith('clampLoop','{@code a[off+i] = min(max(a[off+i], lo), hi)}; NaN stays NaN.','float[] a, int off, int n, float lo, float hi',
    f'FloatVector v = {LOAD("a","off")};\nv = v.blend(lo, v.compare(LT, lo)).blend(hi, v.compare(GT, hi));\n'+STORE('v','a','off')))
src = ''.join(parts)

SA='ScalarApprox'
tails={
 'lstmInputPass': f'gates[gi + 2 * u + j] = {SA}.sigmoid(Math.fma(p[pOff + j], c[co + j], gates[gi + j])) * {SA}.tanh(gates[gi + 2 * u + j]);',
 'lstmCellPass': f'float cp = c[co + j];\nfloat cn = Math.fma({SA}.sigmoid(Math.fma(p[pOff + u + j], cp, gates[gi + u + j]) + fb), cp, gates[gi + 2 * u + j]);\nc[co + j] = cn > clip ? clip : cn < -clip ? -clip : cn;',
 'lstmOutputPass': f'float cn = c[co + j];\nh[ho + j] = {SA}.sigmoid(Math.fma(p[pOff + 2 * u + j], cn, gates[go + j])) * {SA}.tanh(cn);',
 'sigmoidSumPass': f'gx[xo + j] = {SA}.sigmoid(gx[xo + j] + gh[ho + j]);',
 'gruResetPass': f'float r = {SA}.sigmoid(gx[xo + u + j] + gh[ho + u + j]);\ngx[xo + 2 * u + j] = Math.fma(r, gh[ho + 2 * u + j], gx[xo + 2 * u + j]);',
 'gruTanhBlendPass': f'float nn = {SA}.tanh(gates[go + 2 * u + j]);\nhOut[oo + j] = Math.fma(gates[go + j], hPrev[po + j] - nn, nn);',
 'gruResetHiddenPass': f'rh[oo + j] = {SA}.sigmoid(gates[ro + j]) * hPrev[po + j];',
 'gruResetBeforePass': f'float nn = {SA}.tanh(gates[go + 2 * u + j]);\nhOut[oo + j] = Math.fma({SA}.sigmoid(gates[go + j]), hPrev[po + j] - nn, nn);',
 'fmaInto': 'd[dOff + i] = Math.fma(a[aOff + i], b[bOff + i], d[dOff + i]);',
 'mulInto': 'd[dOff + i] = d[dOff + i] * a[aOff + i];',
 'addInto': 'd[dOff + i] = d[dOff + i] + a[aOff + i];',
 'addScalar': 'd[off + i] = d[off + i] + s;',
 'oneMinus': 'd[dOff + i] = -a[aOff + i] + 1f;',
 'lstmCombine': 'float v = Math.fma(gates[gi + n + i], c[co + i], gates[gi + i] * gates[gi + 2 * n + i]);\nc[co + i] = v > clip ? clip : v < -clip ? -clip : v;',
 'gruBlend': 'float nn = gates[no + i];\nhOut[oo + i] = Math.fma(gates[zo + i], hPrev[po + i] - nn, nn);',
 'clampLoop': 'float v = a[off + i];\nv = v < lo ? lo : v;\na[off + i] = v > hi ? hi : v;',
}
def ind2(code,n): return ''.join(' '*n+l+'\n' for l in code.splitlines())
for name,tail in tails.items():
    start=src.index(f'private static void {name}(')
    end=src.index('\n    }\n', start)  # end of method body
    body=src[start:end]
    var='j' if 'int j = 0;' in body else 'i'
    if var=='i':
        body=body.replace('        for (int i = 0; i < n; i += L) {','        int i = 0;\n        for (int upper = S.loopBound(n); i < upper; i += L) {',1)
        cond='i < n'; inc='i++'
    else:
        cond='j < n' if re.search(r'S\.loopBound\(n\)', body) else 'j < u'; inc='j++'
    body=body+f'\n        for (; {cond}; {inc}) {{\n'+ind2(tail,12)+'        }'
    src=src[:start]+body+src[end:]


# Row passes: the whole body (vector loop and tail) runs for each of `rows` rows, the offsets moving on by a row.
ROW_ADVANCE = {
    'lstmInputPass': 'gi += 4 * u, co += u',
    'lstmCellPass': 'gi += 4 * u, co += u',
    'lstmOutputPass': 'go += 4 * u, co += u, ho += u',
    'sigmoidSumPass': 'xo += 3 * u, ho += 3 * u',
    'gruResetPass': 'xo += 3 * u, ho += 3 * u',
    'gruTanhBlendPass': 'go += 3 * u, po += u, oo += u',
    'gruResetHiddenPass': 'ro += 3 * u, po += u, oo += u',
    'gruResetBeforePass': 'go += 3 * u, po += u, oo += u',
}
for name, advance in ROW_ADVANCE.items():
    start = src.index(f'private static void {name}(')
    open_brace = src.index('{\n', start) + 2
    end = src.index('\n    }\n', start)
    inner = src[open_brace:end + 1]
    src = src[:open_brace] + f'        for (int b = 0; b < rows; b++, {advance}) {{\n' + ind2(inner.rstrip('\n'), 4) + '        }\n' + src[end + 1:]


HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, '..', 'src', 'main', 'java', 'io', 'github', 'panamarnn', 'kernels', 'PanamaLoops.java')
HEADER = '''// GENERATED by kernels/tools/generate_loops.py: do not edit by hand. Edit the generator and run it
// (python3 kernels/tools/generate_loops.py); ./panama test fails when this file differs from what it generates.
package io.github.panamarnn.kernels;

import static io.github.panamarnn.kernels.Approximations.*;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The loops of {@link PanamaKernels} with their approximations written inline (see its class comment for
 * why a vector never crosses a method of ours): one definition of each approximation in the generator,
 * repeated here on purpose. {@code ActivationErrorBoundsTest} and {@code GatePropertiesTest} pin every
 * copy to the specification. Each loop runs whole vectors, then its tail lane by lane in
 * {@link ScalarApprox}, bit for bit.
 */
final class PanamaLoops {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = PanamaSpecies.LANES;

    private PanamaLoops() {
    }

'''


# ---------------------------------------------------------------------------------------------
# PanamaBlocks.java: the float32 register blocks of a batched product, one method per number of rows.

BLOCK_TARGET = os.path.join(HERE, '..', 'src', 'main', 'java', 'io', 'github', 'panamarnn', 'kernels', 'PanamaBlocks.java')
MAX_BLOCK_ROWS = 12

def block_method(r):
    acc = [(f'a{i}0', f'a{i}1') for i in range(r)]
    out = []
    out.append(f'    /** {r} batch rows by two vectors of one panel: {2 * r} accumulators, two weight loads and {r} broadcasts per row of W. */')
    out.append(f'    static void block{r}(float[] a, int base, int rows, float[] xp, int xb, float[] bias, int biasAt,')
    out.append(f'                         float[] y, int y0, int yStride, boolean accumulate) {{')
    out.append(f'        FloatVector {acc[0][0]} = FloatVector.fromArray(S, bias, biasAt);')
    out.append(f'        FloatVector {acc[0][1]} = FloatVector.fromArray(S, bias, biasAt + L);')
    for (c0, c1) in acc[1:]:
        out.append(f'        FloatVector {c0} = a00;')
        out.append(f'        FloatVector {c1} = a01;')
    out.append(f'        int o = base;')
    out.append(f'        int q = xb;')
    out.append(f'        for (int k = 0; k < rows; k++, o += P, q += {r}) {{')
    out.append(f'            final FloatVector wa = FloatVector.fromArray(S, a, o);')
    out.append(f'            final FloatVector wb = FloatVector.fromArray(S, a, o + L);')
    for i, (c0, c1) in enumerate(acc):
        decl = 'FloatVector ' if i == 0 else ''
        idx = 'q' if i == 0 else f'q + {i}'
        out.append(f'            {decl}v = FloatVector.broadcast(S, xp[{idx}]);')
        out.append(f'            {c0} = wa.fma(v, {c0});')
        out.append(f'            {c1} = wb.fma(v, {c1});')
    out.append(f'        }}')
    out.append(f'        if (accumulate) {{')
    out.append(f'            int yr = y0;')
    for i, (c0, c1) in enumerate(acc):
        out.append(f'            {c0} = {c0}.add(FloatVector.fromArray(S, y, yr));')
        out.append(f'            {c1} = {c1}.add(FloatVector.fromArray(S, y, yr + L));')
        if i + 1 < r:
            out.append(f'            yr += yStride;')
    out.append(f'        }}')
    out.append(f'        int yr = y0;')
    for i, (c0, c1) in enumerate(acc):
        out.append(f'        {c0}.intoArray(y, yr);')
        out.append(f'        {c1}.intoArray(y, yr + L);')
        if i + 1 < r:
            out.append(f'        yr += yStride;')
    out.append(f'    }}')
    return '\n'.join(out) + '\n'

def render_blocks():
    head = """// GENERATED by kernels/tools/generate_loops.py: do not edit by hand. Edit the generator and run it
// (python3 kernels/tools/generate_loops.py); ./panama test fails when this file differs from what it generates.
package io.github.panamarnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 register blocks of {@link PanamaKernels}' batched product: {@code n} batch rows (2 to """ + str(MAX_BLOCK_ROWS) + """) by two
 * vectors of one panel of W, the rows read from a k-major copy of X ({@code xp[xb + k * n + r]}: one base address and
 * constant offsets, however many rows). Each output is one fma chain from its bias over the rows of W in order, as in
 * every other product of these kernels, so a row's result does not depend on the block it is in. The caller picks
 * {@code n} to fit the register file ({@link PanamaKernels#maxBlockRows}): {@code 2n} accumulators, two weight vectors
 * and a broadcast.
 */
final class PanamaBlocks {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = PanamaSpecies.LANES;
    private static final int P = PanamaSpecies.PANEL;
    /** The most rows one block has. */
    static final int MAX_ROWS = """ + str(MAX_BLOCK_ROWS) + """;

    private PanamaBlocks() {
    }

    /** Block {@code n} ({@code 2 <= n <= MAX_ROWS}): {@code n} rows from {@code xp[xb ..]} into {@code y[y0 ..]}, row stride {@code yStride}. */
    static void block(int n, float[] a, int base, int rows, float[] xp, int xb, float[] bias, int biasAt,
                      float[] y, int y0, int yStride, boolean accumulate) {
        switch (n) {
"""
    for r in range(2, MAX_BLOCK_ROWS + 1):
        head += f'            case {r} -> block{r}(a, base, rows, xp, xb, bias, biasAt, y, y0, yStride, accumulate);\n'
    head += """            default -> throw new IllegalArgumentException("a block has 2 to " + MAX_ROWS + " rows, got " + n);
        }
    }
"""
    body = ''.join('\n' + block_method(r) for r in range(2, MAX_BLOCK_ROWS + 1))
    return head + body + '}\n'

def render():
    body = src.replace('    private static void ', '    static void ')
    return HEADER + body.rstrip('\n') + '\n}\n'

if __name__ == '__main__':
    import sys
    outputs = [(TARGET, render()), (BLOCK_TARGET, render_blocks())]
    if '--check' in sys.argv:
        for target, text in outputs:
            name = os.path.basename(target)
            current = open(target).read() if os.path.exists(target) else ''
            if current != text:
                print('kernels/src/main/java/io/github/panamarnn/kernels/' + name + ' differs from what kernels/tools/generate_loops.py '
                      'generates: edit the generator, not the file, and run it')
                sys.exit(1)
            print(name, 'is what the generator writes')
    else:
        for target, text in outputs:
            open(target, 'w').write(text)
            print('wrote', os.path.normpath(target))
