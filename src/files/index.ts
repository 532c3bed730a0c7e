export { writeAtomic, writeJsonAtomic, FileWriteError } from './atomic.js';
