/** The errno values the modelled stack returns, with the numbers and the messages the shell prints (spec §12.2). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EFAULT: 14,
  EAGAIN: 11,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ERANGE: 34,
  EUSERS: 87,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
} as const;

export type Errno = keyof typeof ERRNO;

export const ERRNO_TEXT: Readonly<Record<Errno, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  EFAULT: 'Bad address',
  EAGAIN: 'Resource temporarily unavailable',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  EUSERS: 'Too many users',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
};

export const isErrno = (x: unknown): x is Errno => typeof x === 'string' && Object.hasOwn(ERRNO, x);
