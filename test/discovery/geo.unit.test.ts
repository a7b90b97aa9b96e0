// The search areas that bound the nearest-first candidates scan: they must
// never leave out anyone within the distance, and across the antimeridian the
// far side is seen from the caller's longitude ± 360.
import { expect } from 'chai';
import { distanceKm } from '../../shared/public-profile.js';
import { searchAreas, type SearchArea } from '../../api/discovery/service.js';

/** The point `km` along `bearing` (degrees) from (lat, lon), on the sphere, longitude in [-180, 180). */
function along(lat: number, lon: number, km: number, bearing: number) {
  const d = km / 6371;
  const b = (bearing * Math.PI) / 180;
  const φ1 = (lat * Math.PI) / 180;
  const λ1 = (lon * Math.PI) / 180;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(b));
  const λ2 = λ1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
  const lon2 = (λ2 * 180) / Math.PI;
  return { lat: (φ2 * 180) / Math.PI, lon: lon2 - 360 * Math.floor((lon2 + 180) / 360) };
}

const inside = (a: SearchArea, p: { lat: number; lon: number }) => p.lat >= a.latMin && p.lat <= a.latMax && p.lon >= a.lonMin && p.lon <= a.lonMax;

describe('discovery geometry: search areas', () => {
  it('hold every point within the distance, in every direction', () => {
    for (const [lat, lon, km] of [
      [52.52, 13.405, 50],
      [-33.9, 151.2, 150],
      [0.1, -0.1, 10],
      [64.1, -21.9, 500],
      [51.99, 12.99, 25],
      [-17.7, 179.9, 100],
      [65.0, -179.5, 150],
      [89.5, 10, 100],
    ]) {
      const areas = searchAreas(lat, lon, km);
      for (let bearing = 0; bearing < 360; bearing += 7.5) {
        const p = along(lat, lon, km * 0.999, bearing);
        expect(distanceKm({ lat, lon }, p)).to.be.below(km);
        expect(areas.some((a) => inside(a, p)), `(${lat}, ${lon}) ${km} km at bearing ${bearing}: ${JSON.stringify(p)}`).to.equal(true);
      }
    }
  });

  it('is one box seen from the caller away from the antimeridian and the poles', () => {
    const [area, ...more] = searchAreas(52.52, 13.405, 20);
    expect(more).to.have.length(0);
    expect(area.fromLon).to.equal(13.405);
    expect(area.lonMin).to.be.within(13.1, 13.15);
    expect(area.lonMax).to.be.within(13.65, 13.75);
  });

  it('splits at the antimeridian, the far box seen from the longitude ± 360', () => {
    const east = searchAreas(-17.7, 179.9, 50);
    expect(east).to.have.length(2);
    expect(east[0]).to.include({ lonMax: 180, fromLon: 179.9 });
    expect(east[1]).to.include({ lonMin: -180, fromLon: 179.9 - 360 });
    expect(east[1].lonMax).to.be.within(-179.8, -179.5);
    const west = searchAreas(-17.7, -179.9, 50);
    expect(west[0]).to.include({ lonMin: -180, fromLon: -179.9 });
    expect(west[1]).to.include({ lonMax: 180, fromLon: -179.9 + 360 });
  });

  it('spans every longitude near a pole', () => {
    expect(searchAreas(89.5, 10, 100)).to.deep.equal([{ latMin: searchAreas(89.5, 10, 100)[0].latMin, latMax: 90, lonMin: -180, lonMax: 180, fromLon: 10 }]);
  });
});
