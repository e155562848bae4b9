"""Temple Color 128 (TC-128).

Publication: Encoding Color Information for Visual Tracking: Algorithms and Benchmark, Liang, Blasch and
Ling, TIP 2015. Download: http://www.dabi.temple.edu/~hbling/data/TColor-128/TColor-128.html

On disk: ``<tpl_path>/tpl_<video>/img/<frame:04d>.jpg`` and ``<tpl_path>/tpl_<video>/<video>_gt.txt``
(comma- or whitespace-separated ``x,y,w,h``).
"""
from pytracking.evaluation._infolist import InfoListDataset

# video|startFrame|endFrame, in the benchmark's order (benchmark data: 129 sequences).
_TPL_TABLE = """
Skating2|1|707
Pool_ce3|1|124
Microphone_ce1|1|204
Torus|1|264
Lemming|1|1336
Eagle_ce|1|112
Skating_ce2|1|497
Yo_yos_ce3|1|201
Board|1|598
Tennis_ce3|1|204
SuperMario_ce|1|146
Yo_yos_ce1|1|235
Soccer|1|392
Fish_ce2|1|573
Liquor|1|1741
Plane_ce2|1|653
Couple|1|140
Logo_ce|1|610
Hand_ce2|1|251
Kite_ce2|1|658
Walking|1|412
David|300|770
Boat_ce1|1|377
Airport_ce|1|148
Tiger2|1|365
Suitcase_ce|1|184
TennisBall_ce|1|288
Singer_ce1|1|214
Pool_ce2|1|133
Surf_ce3|1|279
Bird|1|99
Crossing|1|120
Plate_ce1|1|142
Cup|1|303
Surf_ce2|1|391
Busstation_ce2|6|400
Charger_ce|1|298
Pool_ce1|1|166
MountainBike|1|228
Guitar_ce1|1|268
Busstation_ce1|1|363
Diving|1|231
Skating_ce1|1|409
Hurdle_ce2|27|330
Plate_ce2|1|181
CarDark|1|393
Singer_ce2|1|999
Shaking|1|365
Iceskater|1|500
Badminton_ce2|1|705
Spiderman_ce|1|351
Kite_ce1|1|484
Skyjumping_ce|1|938
Ball_ce1|1|391
Yo_yos_ce2|1|454
Ironman|1|166
FaceOcc1|1|892
Surf_ce1|1|404
Ring_ce|1|201
Surf_ce4|1|135
Ball_ce4|1|538
Bikeshow_ce|1|361
Kobe_ce|1|582
Tiger1|1|354
Skiing|1|81
Tennis_ce1|1|454
Carchasing_ce4|1|442
Walking2|1|500
Sailor_ce|1|402
Railwaystation_ce|1|413
Bee_ce|1|90
Girl|1|500
Subway|1|175
David3|1|252
Electricalbike_ce|1|818
Michaeljackson_ce|1|393
Woman|1|597
TableTennis_ce|1|198
Motorbike_ce|1|563
Baby_ce|1|296
Gym|1|766
Matrix|1|100
Kite_ce3|1|528
Fish_ce1|1|401
Hand_ce1|1|401
Doll|1|3872
Carchasing_ce3|1|572
Thunder_ce|1|375
Singer2|1|366
Basketball|1|725
Hand|1|244
Cup_ce|1|338
MotorRolling|1|164
Boat_ce2|1|412
CarScale|1|252
Sunshade|1|172
Football1|1|74
Singer1|1|351
Hurdle_ce1|1|300
Basketball_ce3|1|441
Toyplane_ce|1|405
Skating1|1|400
Juice|1|404
Biker|1|180
Boy|1|602
Jogging1|1|307
Deer|1|71
Panda|1|241
Coke|1|291
Carchasing_ce1|1|501
Badminton_ce1|1|579
Trellis|1|569
Face_ce2|1|148
Ball_ce2|1|603
Skiing_ce|1|511
Jogging2|1|307
Bike_ce1|1|801
Bike_ce2|1|812
Ball_ce3|1|273
Girlmov|1|1500
Bolt|1|350
Basketball_ce2|1|455
Bicycle|1|271
Face_ce|1|620
Basketball_ce1|1|496
Messi_ce|1|272
Tennis_ce2|1|305
Microphone_ce2|1|103
Guitar_ce2|1|313
"""

# TPL videos that are also in OTB (left out by ``tpl_nootb``).
TPL_OTB_SEQUENCES = [
    'tpl_Skating2', 'tpl_Lemming', 'tpl_Board', 'tpl_Soccer', 'tpl_Liquor', 'tpl_Couple', 'tpl_Walking', 'tpl_David',
    'tpl_Tiger2', 'tpl_Bird', 'tpl_Crossing', 'tpl_MountainBike', 'tpl_Diving', 'tpl_CarDark', 'tpl_Shaking',
    'tpl_Ironman', 'tpl_FaceOcc1', 'tpl_Tiger1', 'tpl_Skiing', 'tpl_Walking2', 'tpl_Girl', 'tpl_Girlmov',
    'tpl_Subway', 'tpl_David3', 'tpl_Woman', 'tpl_Gym', 'tpl_Matrix', 'tpl_Doll', 'tpl_Singer2', 'tpl_Basketball',
    'tpl_MotorRolling', 'tpl_CarScale', 'tpl_Football1', 'tpl_Singer1', 'tpl_Skating1', 'tpl_Biker', 'tpl_Boy',
    'tpl_Jogging1', 'tpl_Deer', 'tpl_Panda', 'tpl_Coke', 'tpl_Trellis', 'tpl_Jogging2', 'tpl_Bolt']


def tpl_sequence_info_list(exclude_otb: bool = False):
    """The TC-128 sequences as dicts (``name, path, startFrame, endFrame, nz, ext, anno_path``).

    args:
        exclude_otb: Leave out the videos that are also in OTB.
    """
    infos = []
    for line in _TPL_TABLE.strip().splitlines():
        video, start, end = line.split('|')
        anno_name = video.replace('Yo_yos', 'Yo-yos')  # the annotation files keep the original hyphen
        infos.append(dict(name='tpl_' + video, path='tpl_{}/img'.format(video), startFrame=int(start),
                          endFrame=int(end), nz=4, ext='jpg', anno_path='tpl_{}/{}_gt.txt'.format(video, anno_name)))
    if exclude_otb:
        infos = [s for s in infos if s['name'] not in TPL_OTB_SEQUENCES]
    return infos


class TPLDataset(InfoListDataset):
    """Temple Color 128; path from ``env_settings().tpl_path`` (env ``PYTRACKING_TPL_PATH``).

    args:
        exclude_otb: If True, the sequences overlapping with OTB are excluded.
    """

    dataset_name = 'tpl'
    path_setting = 'tpl_path'
    anno_delimiter = (',', None)

    def __init__(self, exclude_otb: bool = False):
        self.exclude_otb = exclude_otb
        super().__init__()

    def _info_list(self):
        return tpl_sequence_info_list(self.exclude_otb)
