package io.github.panamarnn.tests.cells;

/**
 * Reference cells in double precision, written straight from SEMANTICS.md in each framework's own
 * weight layout: no code shared with the library. Each {@code step} updates the state arrays
 * ({@code [B, size]} row-major, doubles) in place and returns the output.
 */
final class ReferenceCells {
    private ReferenceCells() {
    }

    /** Activation names used by the properties: sigmoid, tanh, hard_sigmoid (Keras 2 / ONNX), relu. */
    static double act(String name, double x) {
        return switch (name) {
            case "sigmoid" -> 1 / (1 + Math.exp(-x));
            case "tanh" -> Math.tanh(x);
            case "hard_sigmoid" -> Math.max(0, Math.min(1, 0.2 * x + 0.5));
            case "relu" -> Math.max(0, x);
            default -> throw new IllegalArgumentException(name);
        };
    }

    static double clip(double v, double limit) {
        return Math.max(-limit, Math.min(limit, v));
    }

    /** TF1 LSTMCell: kernel [in+hd, 4u] blocks i, j, f, o on concat(x, h); state (c [u], h [hd]). */
    static double[] tf1Lstm(int in, int u, int proj, float[] kernel, float[] bias, float forgetBias, float[] wi, float[] wf, float[] wo,
                            double cellClip, float[] projection, double projClip, double[] x, double[] c, double[] h, int batch) {
        int hd = proj > 0 ? proj : u;
        double[] out = new double[batch * hd];
        for (int b = 0; b < batch; b++) {
            double[] z = new double[4 * u];
            for (int col = 0; col < 4 * u; col++) {
                double s = bias[col];
                for (int r = 0; r < in; r++) {
                    s += x[b * in + r] * kernel[r * 4 * u + col];
                }
                for (int r = 0; r < hd; r++) {
                    s += h[b * hd + r] * kernel[(in + r) * 4 * u + col];
                }
                z[col] = s;
            }
            double[] m = new double[u];
            for (int j = 0; j < u; j++) {
                double cp = c[b * u + j];
                double ig = act("sigmoid", z[j] + (wi == null ? 0 : wi[j] * cp));
                double fg = act("sigmoid", z[2 * u + j] + forgetBias + (wf == null ? 0 : wf[j] * cp));
                double cn = clip(fg * cp + ig * Math.tanh(z[u + j]), cellClip);
                double og = act("sigmoid", z[3 * u + j] + (wo == null ? 0 : wo[j] * cn));
                c[b * u + j] = cn;
                m[j] = og * Math.tanh(cn);
            }
            for (int j = 0; j < hd; j++) {
                double v = m.length == hd && proj == 0 ? m[j] : 0;
                if (proj > 0) {
                    for (int r = 0; r < u; r++) {
                        v += m[r] * projection[r * proj + j];
                    }
                    v = clip(v, projClip);
                }
                h[b * hd + j] = v;
                out[b * hd + j] = v;
            }
        }
        return out;
    }

    /** Keras LSTM: kernel [in, 4u], recurrent [u, 4u], blocks i, f, c, o; state (h, c). */
    static double[] kerasLstm(int in, int u, float[] kernel, float[] rec, float[] bias, String a, String ra, double[] x, double[] c, double[] h,
                              int batch) {
        double[] out = new double[batch * u];
        for (int b = 0; b < batch; b++) {
            double[] z = new double[4 * u];
            for (int col = 0; col < 4 * u; col++) {
                double s = bias == null ? 0 : bias[col];
                for (int r = 0; r < in; r++) {
                    s += x[b * in + r] * kernel[r * 4 * u + col];
                }
                for (int r = 0; r < u; r++) {
                    s += h[b * u + r] * rec[r * 4 * u + col];
                }
                z[col] = s;
            }
            for (int j = 0; j < u; j++) {
                double ig = act(ra, z[j]);
                double fg = act(ra, z[u + j]);
                double cn = fg * c[b * u + j] + ig * act(a, z[2 * u + j]);
                double og = act(ra, z[3 * u + j]);
                c[b * u + j] = cn;
                out[b * u + j] = og * act(a, cn);
            }
            System.arraycopy(out, b * u, h, b * u, u);
        }
        return out;
    }

    /** ONNX LSTM: W [4h, in], R [4h, h], blocks i, o, f, c; B [8h]; P [3h] i, o, f; clip; input_forget. */
    static double[] onnxLstm(int in, int hs, float[] w, float[] r, float[] bb, float[] p, double clip, boolean inputForget, String f, String g,
                             String hAct, double[] x, double[] c, double[] h, int batch) {
        double[] out = new double[batch * hs];
        for (int b = 0; b < batch; b++) {
            double[] z = new double[4 * hs];
            for (int row = 0; row < 4 * hs; row++) {
                double s = bb == null ? 0 : bb[row] + bb[4 * hs + row];
                for (int k = 0; k < in; k++) {
                    s += x[b * in + k] * w[row * in + k];
                }
                for (int k = 0; k < hs; k++) {
                    s += h[b * hs + k] * r[row * hs + k];
                }
                z[row] = s;
            }
            for (int j = 0; j < hs; j++) {
                double cp = c[b * hs + j];
                double it = act(f, clip(z[j] + (p == null ? 0 : p[j] * cp), clip));
                double ft = inputForget ? 1 - it : act(f, clip(z[2 * hs + j] + (p == null ? 0 : p[2 * hs + j] * cp), clip));
                double ct = act(g, clip(z[3 * hs + j], clip));
                double cn = ft * cp + it * ct;
                double ot = act(f, clip(z[hs + j] + (p == null ? 0 : p[hs + j] * cn), clip));
                c[b * hs + j] = cn;
                out[b * hs + j] = ot * act(hAct, cn);
            }
            System.arraycopy(out, b * hs, h, b * hs, hs);
        }
        return out;
    }

    /** PyTorch LSTM: weight_ih [4h, in], weight_hh [4h, hd], blocks i, f, g, o; two biases; weight_hr [proj, h]. */
    static double[] torchLstm(int in, int hs, int proj, float[] wih, float[] whh, float[] bih, float[] bhh, float[] whr, double[] x, double[] c,
                              double[] h, int batch) {
        int hd = proj > 0 ? proj : hs;
        double[] out = new double[batch * hd];
        for (int b = 0; b < batch; b++) {
            double[] z = new double[4 * hs];
            for (int row = 0; row < 4 * hs; row++) {
                double s = bih[row] + bhh[row];
                for (int k = 0; k < in; k++) {
                    s += x[b * in + k] * wih[row * in + k];
                }
                for (int k = 0; k < hd; k++) {
                    s += h[b * hd + k] * whh[row * hd + k];
                }
                z[row] = s;
            }
            double[] m = new double[hs];
            for (int j = 0; j < hs; j++) {
                double ig = act("sigmoid", z[j]);
                double fg = act("sigmoid", z[hs + j]);
                double cn = fg * c[b * hs + j] + ig * Math.tanh(z[2 * hs + j]);
                c[b * hs + j] = cn;
                m[j] = act("sigmoid", z[3 * hs + j]) * Math.tanh(cn);
            }
            for (int j = 0; j < hd; j++) {
                double v = 0;
                if (proj > 0) {
                    for (int k = 0; k < hs; k++) {
                        v += whr[j * hs + k] * m[k];
                    }
                } else {
                    v = m[j];
                }
                h[b * hd + j] = v;
                out[b * hd + j] = v;
            }
        }
        return out;
    }

    /** TF1 GRUCell: gates kernel [in+u, 2u] blocks r, u; candidate kernel [in+u, u] on concat(x, r*h). */
    static double[] tf1Gru(int in, int u, float[] gk, float[] gb, float[] ck, float[] cb, String a, double[] x, double[] h, int batch) {
        double[] out = new double[batch * u];
        for (int b = 0; b < batch; b++) {
            double[] ru = new double[2 * u];
            for (int col = 0; col < 2 * u; col++) {
                double s = gb[col];
                for (int k = 0; k < in; k++) {
                    s += x[b * in + k] * gk[k * 2 * u + col];
                }
                for (int k = 0; k < u; k++) {
                    s += h[b * u + k] * gk[(in + k) * 2 * u + col];
                }
                ru[col] = act("sigmoid", s);
            }
            for (int j = 0; j < u; j++) {
                double s = cb[j];
                for (int k = 0; k < in; k++) {
                    s += x[b * in + k] * ck[k * u + j];
                }
                for (int k = 0; k < u; k++) {
                    s += ru[k] * h[b * u + k] * ck[(in + k) * u + j];
                }
                double uu = ru[u + j];
                out[b * u + j] = uu * h[b * u + j] + (1 - uu) * act(a, s);
            }
            System.arraycopy(out, b * u, h, b * u, u);
        }
        return out;
    }

    /** Keras GRU: kernel [in, 3u], recurrent [u, 3u], blocks z, r, h; bias [2, 3u] (reset after) or [3u]. */
    static double[] kerasGru(int in, int u, boolean resetAfter, float[] kernel, float[] rec, float[] bias, String a, String ra, double[] x,
                             double[] h, int batch) {
        double[] out = new double[batch * u];
        for (int b = 0; b < batch; b++) {
            double[] xz = new double[3 * u];
            double[] hz = new double[3 * u];
            for (int col = 0; col < 3 * u; col++) {
                double s = bias == null ? 0 : bias[col];
                for (int k = 0; k < in; k++) {
                    s += x[b * in + k] * kernel[k * 3 * u + col];
                }
                xz[col] = s;
                double t = bias != null && resetAfter ? bias[3 * u + col] : 0;
                for (int k = 0; k < u; k++) {
                    t += h[b * u + k] * rec[k * 3 * u + col];
                }
                hz[col] = t;
            }
            for (int j = 0; j < u; j++) {
                double z = act(ra, xz[j] + hz[j]);
                double r = act(ra, xz[u + j] + hz[u + j]);
                double hh;
                if (resetAfter) {
                    hh = act(a, xz[2 * u + j] + r * hz[2 * u + j]);
                } else {
                    double s = xz[2 * u + j];
                    for (int k = 0; k < u; k++) {
                        double rk = act(ra, xz[u + k] + hz[u + k]);
                        s += rk * h[b * u + k] * rec[k * 3 * u + 2 * u + j];
                    }
                    hh = act(a, s);
                }
                out[b * u + j] = z * h[b * u + j] + (1 - z) * hh;
            }
            System.arraycopy(out, b * u, h, b * u, u);
        }
        return out;
    }

    /** ONNX GRU: W [3h, in], R [3h, h], blocks z, r, h; B [6h]; linear_before_reset; clip. */
    static double[] onnxGru(int in, int hs, float[] w, float[] r, float[] bb, boolean lbr, double clip, String f, String g, double[] x, double[] h,
                            int batch) {
        double[] out = new double[batch * hs];
        for (int b = 0; b < batch; b++) {
            double[] xw = new double[3 * hs];
            double[] hr = new double[3 * hs];
            for (int row = 0; row < 3 * hs; row++) {
                double s = bb == null ? 0 : bb[row];
                for (int k = 0; k < in; k++) {
                    s += x[b * in + k] * w[row * in + k];
                }
                xw[row] = s;
                double t = bb == null ? 0 : bb[3 * hs + row];
                for (int k = 0; k < hs; k++) {
                    t += h[b * hs + k] * r[row * hs + k];
                }
                hr[row] = t;
            }
            double[] rt = new double[hs];
            for (int j = 0; j < hs; j++) {
                rt[j] = act(f, clip(xw[hs + j] + hr[hs + j], clip));
            }
            for (int j = 0; j < hs; j++) {
                double zt = act(f, clip(xw[j] + hr[j], clip));
                double pre;
                if (lbr) {
                    pre = xw[2 * hs + j] + rt[j] * hr[2 * hs + j];
                } else {
                    pre = xw[2 * hs + j] + (bb == null ? 0 : bb[3 * hs + 2 * hs + j]);
                    for (int k = 0; k < hs; k++) {
                        pre += rt[k] * h[b * hs + k] * r[(2 * hs + j) * hs + k];
                    }
                }
                double ht = act(g, clip(pre, clip));
                out[b * hs + j] = (1 - zt) * ht + zt * h[b * hs + j];
            }
            System.arraycopy(out, b * hs, h, b * hs, hs);
        }
        return out;
    }

    /** PyTorch GRU: weight_ih [3h, in], weight_hh [3h, h], blocks r, z, n; n = tanh(W_in x + b_in + r*(W_hn h + b_hn)). */
    static double[] torchGru(int in, int hs, float[] wih, float[] whh, float[] bih, float[] bhh, double[] x, double[] h, int batch) {
        double[] out = new double[batch * hs];
        for (int b = 0; b < batch; b++) {
            double[] gi = new double[3 * hs];
            double[] gh = new double[3 * hs];
            for (int row = 0; row < 3 * hs; row++) {
                double s = bih[row];
                for (int k = 0; k < in; k++) {
                    s += wih[row * in + k] * x[b * in + k];
                }
                gi[row] = s;
                double t = bhh[row];
                for (int k = 0; k < hs; k++) {
                    t += whh[row * hs + k] * h[b * hs + k];
                }
                gh[row] = t;
            }
            for (int j = 0; j < hs; j++) {
                double r = act("sigmoid", gi[j] + gh[j]);
                double z = act("sigmoid", gi[hs + j] + gh[hs + j]);
                double n = Math.tanh(gi[2 * hs + j] + r * gh[2 * hs + j]);
                out[b * hs + j] = (1 - z) * n + z * h[b * hs + j];
            }
            System.arraycopy(out, b * hs, h, b * hs, hs);
        }
        return out;
    }

    /** Simple RNN in the TF1 layout: kernel [in+u, u] on concat(x, h) (Keras/ONNX/PyTorch are the same math, other layouts). */
    static double[] tf1Rnn(int in, int u, float[] kernel, float[] bias, String a, double[] x, double[] h, int batch) {
        double[] out = new double[batch * u];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < u; j++) {
                double s = bias[j];
                for (int k = 0; k < in; k++) {
                    s += x[b * in + k] * kernel[k * u + j];
                }
                for (int k = 0; k < u; k++) {
                    s += h[b * u + k] * kernel[(in + k) * u + j];
                }
                out[b * u + j] = act(a, s);
            }
        }
        System.arraycopy(out, 0, h, 0, out.length);
        return out;
    }
}
