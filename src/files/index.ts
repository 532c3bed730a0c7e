export { writeAtomic, writeJsonAtomic, FileWriteError } from './atomic.js';
export { readJsonFile, DamagedFileError } from './read_json.js';
