package io.tandem.model.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The floating-point element types this runtime reads and writes in safetensors files, with their
 * header names. Values travel through Java as {@code float}: F64 is narrowed, F16 and BF16 are
 * widened exactly on read and rounded to nearest-even on write.
 */
public enum SafetensorsDtype {
    F64(8),
    F32(4),
    F16(2),
    BF16(2);

    private final int bytes;

    SafetensorsDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Parses a header dtype, or returns {@code null} for types we cannot load as floats. */
    static SafetensorsDtype fromHeader(String name) {
        for (SafetensorsDtype dtype : values()) {
            if (dtype.name().equals(name)) {
                return dtype;
            }
        }
        return null;
    }

    static String supportedNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /** Reads one element at the buffer's position; the buffer must be little-endian. */
    float read(ByteBuffer buffer) {
        return switch (this) {
            case F64 -> (float) buffer.getDouble();
            case F32 -> buffer.getFloat();
            case F16 -> halfToFloat(buffer.getShort());
            case BF16 -> Float.intBitsToFloat((buffer.getShort() & 0xffff) << 16);
        };
    }

    /** Writes one element at the buffer's position; the buffer must be little-endian. */
    void write(ByteBuffer buffer, float value) {
        switch (this) {
            case F64 -> buffer.putDouble(value);
            case F32 -> buffer.putFloat(value);
            case F16 -> buffer.putShort(floatToHalf(value));
            case BF16 -> buffer.putShort(floatToBfloat16(value));
        }
    }

    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa * 2^-24
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        float magnitude = Math.abs(value);
        if (Float.isNaN(value)) {
            return (short) (sign | 0x7e00);
        }
        if (magnitude >= 65520f) { // rounds past the largest half (65504)
            return (short) (sign | 0x7c00);
        }
        if (magnitude < 0x1p-14f) { // subnormal half: round magnitude / 2^-24 to nearest even
            return (short) (sign | (int) Math.rint(magnitude * 0x1p24f));
        }
        int exponent = ((bits >>> 23) & 0xff) - 112;
        int mantissa = bits & 0x7fffff;
        int half = (exponent << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // a carry into the exponent is still the correctly rounded value
        }
        return (short) (sign | half);
    }

    static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int roundingBias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }
}
