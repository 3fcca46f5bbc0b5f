/**
 * The Luhn check (mod 10, ISO/IEC 7812-1 annex B): from the rightmost digit, double every second
 * digit (subtracting 9 when the double exceeds 9) and sum; valid numbers sum to a multiple of 10.
 * Catches every single-digit error, so random digit strings pass only one time in ten.
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}
