export const PACKAGE_NAME = '@selfsup/video';
